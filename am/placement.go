package am

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// Heartbeat pacing besides heartbeatFast and heartbeatIdle: right after an
// ask, and while allocations keep coming, the AM polls every
// heartbeatPending, since the RM hands out containers on NodeManager
// heartbeats and the sooner the AM picks them up the sooner they start. A
// poll costs the RM ~0.1 ms. After pendingBurst without an allocation it
// slows to heartbeatFast; changeWindow after the last allocation or
// completion it backs off towards heartbeatIdle.
const (
	heartbeatPending = 50 * time.Millisecond
	pendingBurst     = 3 * time.Second
	changeWindow     = 3 * time.Second
)

// placingScheduler is a scheduler that also takes SchedulingRequests
// (placement constraints); *yarn.Scheduler is one.
type placingScheduler interface {
	AllocateScheduling(ctx context.Context, asks []*yarnpb.ResourceRequestProto, sreqs []*yarnpb.SchedulingRequestProto, releases []yarn.ContainerID, ex yarn.Exclusions, progress float32) (*yarn.AllocateResult, error)
}

// buildAsks returns the requests for total outstanding executors. Called
// with a.mu held.
func (a *allocator) buildAsks(total int) ([]*yarnpb.ResourceRequestProto, []*yarnpb.SchedulingRequestProto) {
	a.lastChange = time.Now()
	if a.plan == nil {
		return []*yarnpb.ResourceRequestProto{a.ask(total)}, nil
	}
	return a.plan.build(total)
}

// allocate sends one heartbeat, with SchedulingRequests when there are any.
func (a *allocator) allocate(ctx context.Context, asks []*yarnpb.ResourceRequestProto, sreqs []*yarnpb.SchedulingRequestProto, releases []yarn.ContainerID, ex yarn.Exclusions) (*yarn.AllocateResult, error) {
	if len(sreqs) == 0 {
		return a.sched.AllocateExcluding(ctx, asks, releases, ex, a.progress())
	}
	ps, ok := a.sched.(placingScheduler)
	if !ok {
		return nil, errors.New("this scheduler client cannot send placement constraints")
	}
	res, err := ps.AllocateScheduling(ctx, asks, sreqs, releases, ex, a.progress())
	if errors.Is(err, yarn.ErrPlacementDisabled) {
		return nil, fmt.Errorf("%w (submit without --conf spindle.executor.placement, or ask the cluster's administrator to enable the handler)", err)
	}
	return res, err
}

// responded takes what an allocate response says about placement: node
// changes (the asks are sent again over the new set of live nodes) and
// SchedulingRequests the RM rejected (asked for again). It notes when
// containers came or went, for the pacing. Called with a.mu held.
func (a *allocator) responded(resp *yarnpb.AllocateResponseProto) {
	if len(resp.GetAllocatedContainers())+len(resp.GetCompletedContainerStatuses()) > 0 {
		a.lastChange = time.Now()
	}
	if a.plan != nil && a.plan.nodesUpdated(resp.GetUpdatedNodes()) {
		a.requests.forget()
	}
	for _, rej := range resp.GetRejectedSchedulingRequests() {
		n := int(rej.GetRequest().GetResourceSizing().GetNumAllocations())
		a.log.Warnf("the ResourceManager could not place %d executor(s) under the placement constraint (%s); asking again", n, rej.GetReason())
		for range n {
			a.requests.allocated() // no longer asked for: the next heartbeat asks again
		}
	}
}

// nextInterval is the wait before the next heartbeat, after one of prev.
func (a *allocator) nextInterval(prev time.Duration) time.Duration {
	a.mu.Lock()
	pending, since := a.requests.outstanding > 0, time.Since(a.lastChange)
	a.mu.Unlock()
	switch {
	case pending && since < pendingBurst:
		return heartbeatPending
	case pending || a.pool.Wanted() > 0 || a.launching.Load() > 0 || since < changeWindow:
		return heartbeatFast
	}
	return min(2*prev, heartbeatIdle)
}
