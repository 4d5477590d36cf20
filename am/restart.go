package am

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/spindle-yarn/spindle/internal/staging"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// stateOpTimeout bounds each read or write of the state files.
const stateOpTimeout = 30 * time.Second

// openState opens the staging directory's state files (once).
func (a *attempt) openState(ctx context.Context) *stateStore {
	if a.state != nil || a.spec.StagingDir == "" {
		return a.state
	}
	open := func(ctx context.Context, u *url.URL) (staging.FS, error) {
		return staging.OpenAs(ctx, a.conf, u, stagingAuth(a.spec, a.creds.current))
	}
	octx, cancel := context.WithTimeout(ctx, stateOpTimeout)
	defer cancel()
	st, err := openStateStore(octx, open, a.spec.StagingDir)
	if err != nil {
		a.log.WithError(err).Warn("the executor table and key-value store will not be kept for a next attempt")
		return nil
	}
	a.state = st
	return st
}

// restoreState loads what the previous attempt saved: the executor table and
// the key-value store. The first attempt has nothing to load.
func (a *attempt) restoreState(ctx context.Context) {
	if a.id.Attempt <= 1 || a.openState(ctx) == nil {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, stateOpTimeout)
	defer cancel()
	snap, err := a.state.loadSnapshot(rctx)
	switch {
	case err != nil:
		a.log.WithError(err).Warn("could not restore the previous attempt's state; starting afresh")
		return
	case snap == nil:
		a.log.Info("the previous attempt left no state; starting afresh")
		return
	}
	a.pool.restore(snap)
	if err := a.api.RestoreKV(snap.KV); err != nil {
		a.log.WithError(err).Warn("the key-value store was restored only in part")
	}
	note := ""
	if snap.KVOmitted {
		note = " (its key-value store was too large to keep)"
	}
	a.log.Infof("restored the state of attempt %s: %d executors in the table, %d key-value entries%s",
		snap.Attempt, len(snap.Executors), len(snap.KV), note)
}

// adoptContainers takes over the executors YARN kept from earlier attempts
// (keep_containers_across_application_attempts): they keep running, with
// their ids when the restored table knows them.
func (a *attempt) adoptContainers(reg *yarn.Registration) {
	if len(reg.PreviousContainers) == 0 && a.id.Attempt <= 1 {
		return
	}
	var kept []keptContainer
	for _, c := range reg.PreviousContainers {
		cid := yarn.ContainerIDFromProto(c.GetId()).String()
		node := yarn.NodeAddress(c.GetNodeId())
		kept = append(kept, keptContainer{id: cid, node: node, host: c.GetNodeId().GetHost(),
			logURL: fmt.Sprintf("http://%s/node/containerlogs/%s/%s", c.GetNodeHttpAddress(), cid, a.spec.User)})
		a.loop.mu.Lock()
		a.loop.containers[cid] = c
		a.loop.mu.Unlock()
	}
	release := a.pool.adopt(kept)
	a.loop.mu.Lock()
	for _, cid := range release {
		if c := a.loop.containers[cid]; c != nil {
			a.loop.releases = append(a.loop.releases, yarn.ContainerIDFromProto(c.GetId()))
			delete(a.loop.containers, cid)
		}
	}
	a.loop.mu.Unlock()
	a.log.Infof("adopted %d executors kept from the previous attempt (%d surplus released)", len(kept)-len(release), len(release))
}

// publishAddress writes the API's address where kept executors' launchers
// look for it when the AM they knew stops answering.
func (a *attempt) publishAddress(ctx context.Context) {
	if a.openState(ctx) == nil {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, stateOpTimeout)
	defer cancel()
	if err := a.state.replace(wctx, AddressFile, []byte(a.amURL+"\n")); err != nil {
		a.log.WithError(err).Warn("could not publish the API address for executors")
	}
}

// persist saves the executor table and the key-value store whenever they
// change, at most every persistEvery, until ctx ends.
func (a *attempt) persist(ctx context.Context) {
	if a.openState(ctx) == nil {
		return
	}
	var lastKV uint64
	var lastTable <-chan struct{}
	warned := false
	for {
		tableCh, kvCh := a.pool.Changed(), a.api.KVChanged()
		snap := a.pool.snapshot()
		kv, version := a.api.KVSnapshot()
		if lastTable == nil || version != lastKV || isClosed(lastTable) {
			snap.Attempt, snap.KV = a.id.String(), kv
			if err := a.saveSnapshot(ctx, snap); err != nil && ctx.Err() == nil && !warned {
				a.log.WithError(err).Warn("could not save the executor table and key-value store for a next attempt")
				warned = true
			}
			lastKV, lastTable = version, tableCh
		}
		select {
		case <-ctx.Done():
			return
		case <-tableCh:
		case <-kvCh:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(persistEvery):
		}
	}
}

// saveSnapshot writes snap to the state file.
func (a *attempt) saveSnapshot(ctx context.Context, snap *snapshot) error {
	b, err := encodeSnapshot(snap)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, stateOpTimeout)
	defer cancel()
	return a.state.replace(wctx, StateFile, b)
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
