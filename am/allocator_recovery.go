package am

import (
	"errors"
	"sort"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// reregistered handles a re-registration with the ResourceManager (it
// restarted, failed over, or sent AM_RESYNC): the RM forgot the asks, the
// releases it had not completed and the blacklist, so the next heartbeat sends
// them all again, as Hadoop's AMRMClient does. Running executors stay. Called
// with a.mu held.
func (a *allocator) reregistered(res *yarn.AllocateResult) {
	what := "the ResourceManager no longer knew this ApplicationMaster"
	if res.Resync {
		what = "the ResourceManager asked for a resync (AM_RESYNC)"
	}
	a.log.Infof("%s: registered again; re-sending the ask for executors, %d pending releases and the node exclusions", what, len(a.released))
	a.requests.forget()
	a.exclude.forget()
	queued := map[string]bool{}
	for _, id := range a.releases {
		queued[id.String()] = true
	}
	ids := make([]string, 0, len(a.released))
	for k := range a.released {
		if !queued[k] {
			ids = append(ids, k)
		}
	}
	sort.Strings(ids)
	for _, k := range ids {
		a.releases = append(a.releases, a.released[k])
	}
}

// nodeFailed counts an executor failure against its node, which may exclude
// the node. Called with a.mu held.
func (a *allocator) nodeFailed(e *executor) {
	if a.exclude.failed(e.node) {
		a.log.Warnf("excluding node %s for %s: %d executors failed there (spindle.excludeOnFailure.application.maxFailedExecutorsPerNode)",
			e.node, a.exclude.timeout, a.exclude.maxPerNode)
	}
}

// checkEnd returns the error that ends the application: too many executor
// failures, or every node excluded while executors are still wanted.
func (a *allocator) checkEnd() error {
	if err := a.pool.BudgetExceeded(); err != nil {
		return err
	}
	if a.pool.Wanted() == 0 {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.exclude.allExcluded(a.nodes)
}

// isGaveUp reports whether err means the scheduler's retry policy ran out:
// no ResourceManager answered for as long as it allows.
func isGaveUp(err error) bool {
	var fe *yarn.FailoverError
	return errors.As(err, &fe)
}

// isNMUnreachable reports whether a container start failed because its
// NodeManager could not be reached (it may be restarting): not the
// executor's fault.
func isNMUnreachable(err error) bool {
	var ce *ipc.ConnectError
	return errors.As(err, &ce)
}
