package am

import (
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// Executor states as the AM API reports them.
const (
	stateStarting  = "starting"
	stateRunning   = "running"
	stateCompleted = "completed"
	stateFailed    = "failed"
	stateKilled    = "killed"
)

// executor is one executor process: a container YARN gave us (or, in local mode, a
// process we started) and what became of it.
type executor struct {
	id          int
	containerID string
	node        string // NodeManager RPC address, host:port
	host        string
	logURL      string
	state       string
	exitStatus  *int
	diagnostics string
	started     time.Time
	finished    time.Time
	stopping    bool // the AM asked it to stop: its end is not a failure
	replaces    int  // the id of the failed or lost executor this one replaces
	// stopReq is closed when the AM asks it to stop gracefully (pool.Release).
	stopReq chan struct{}
}

func (e *executor) live() bool { return e.state == stateStarting || e.state == stateRunning }

// pool is the executor table: how many executors the application wants, which it has,
// and the failure budget. It decides; the caller talks to YARN.
type pool struct {
	mu          sync.Mutex
	target      int
	maxFailures int
	memoryMB    int64
	failures    int
	failedAt    []time.Time   // when each counted failure happened
	validity    time.Duration // failures older than this no longer count (0: all count)
	now         func() time.Time
	lastFailure string
	nextID      int
	byContainer map[string]*executor
	all         []*executor
	changed     chan struct{} // closed and replaced on every change, for waiters
	events      *eventLog     // where executor events go (nil: nowhere)
	unreplaced  []int         // failed or lost executors no new one has replaced yet
	// onEnd are called once an executor has ended (see ended).
	onEnd []func(id string, taskFault bool)
}

func newPool(target, maxFailures int, memoryMB int64) *pool {
	return &pool{target: target, maxFailures: maxFailures, memoryMB: memoryMB,
		byContainer: map[string]*executor{}, changed: make(chan struct{}), now: time.Now}
}

// defaultFailureBudget is max(3, 2 x executors), the budget when the user sets none.
func defaultFailureBudget(executors int) int { return max(3, 2*executors) }

func (p *pool) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Changed returns a channel closed at the next change of the table.
func (p *pool) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// satisfiedLocked counts the executors that meet the target: live ones not being
// stopped, and those whose program finished successfully (their work is done, so
// they are not replaced).
func (p *pool) satisfiedLocked() int {
	n := 0
	for _, e := range p.all {
		if (e.live() && !e.stopping) || e.state == stateCompleted {
			n++
		}
	}
	return n
}

// Wanted is the number of further executors to ask for: the target less the live
// and the successfully completed ones.
func (p *pool) Wanted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(0, p.target-p.satisfiedLocked())
}

// Target returns the number of executors the application wants.
func (p *pool) Target() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.target
}

// Assign takes a newly allocated container. It returns the new executor, or nil when
// the container is surplus and should be released.
func (p *pool) Assign(containerID, node, host, logURL string) *executor {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.satisfiedLocked() >= p.target {
		return nil
	}
	p.nextID++
	e := &executor{id: p.nextID, containerID: containerID, node: node, host: host,
		logURL: logURL, state: stateStarting, started: p.now()}
	p.byContainer[containerID] = e
	p.all = append(p.all, e)
	p.replacingLocked(e)
	p.notifyLocked()
	return e
}

// Running marks an executor's process as started.
func (p *pool) Running(containerID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.byContainer[containerID]; e != nil && e.state == stateStarting {
		e.state = stateRunning
		p.startedLocked(e)
		p.notifyLocked()
	}
}

// Completed records the end of a container. It returns the executor (nil for a
// container we do not know, such as a released surplus one) and the outcome.
func (p *pool) Completed(containerID string, status int, diagnostics string) (*executor, outcome, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.byContainer[containerID]
	if e == nil || !e.live() {
		return e, outcomeLost, ""
	}
	out, why := classifyExit(status, diagnostics, p.memoryMB, e.stopping)
	st := status
	e.exitStatus, e.finished, e.diagnostics = &st, p.now(), why
	switch out {
	case outcomeSucceeded:
		e.state = stateCompleted
	case outcomeFailed:
		e.state = stateFailed
		p.countFailureLocked()
		p.lastFailure = fmt.Sprintf("executor %d (%s on %s) %s", e.id, e.containerID, e.host, why)
	case outcomeLost:
		e.state = stateKilled
	}
	p.endedLocked(e, out)
	p.notifyLocked()
	return e, out, why
}

// LaunchFailed records that a container could not be started; it counts as a failure.
func (p *pool) LaunchFailed(containerID string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.byContainer[containerID]
	if e == nil || !e.live() {
		return
	}
	e.state, e.finished = stateFailed, p.now()
	e.diagnostics = "could not be started: " + err.Error()
	p.countFailureLocked()
	p.lastFailure = fmt.Sprintf("executor %d (%s on %s) %s", e.id, e.containerID, e.host, e.diagnostics)
	p.endedLocked(e, outcomeFailed)
	p.notifyLocked()
}

// BudgetExceeded returns a diagnostic when executor failures exceed the budget.
func (p *pool) BudgetExceeded() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.recentFailuresLocked(); n > p.maxFailures {
		within := ""
		if p.validity > 0 {
			within = fmt.Sprintf(" within %s (spindle.executor.failuresValidityInterval)", p.validity)
		}
		return fmt.Errorf("%d executor failures%s exceeded the budget of %d (set %s to change it); the last: %s",
			n, within, p.maxFailures, "spindle.executor.maxFailures", p.lastFailure)
	}
	return nil
}

// SetTarget changes the number of wanted executors and returns those to stop, newest
// first, when scaling down.
func (p *pool) SetTarget(n int) []*executor {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = n
	var stop []*executor
	excess := p.satisfiedLocked() - n
	for i := len(p.all) - 1; i >= 0 && excess > 0; i-- {
		if e := p.all[i]; e.live() && !e.stopping {
			e.stopping = true
			stop = append(stop, e)
			excess--
		}
	}
	p.notifyLocked()
	return stop
}

// StopAll marks every live executor as stopping and returns them.
func (p *pool) StopAll() []*executor {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = 0
	var stop []*executor
	for _, e := range p.all {
		if e.live() {
			e.stopping = true
			stop = append(stop, e)
		}
	}
	p.notifyLocked()
	return stop
}

// AllDone reports whether at least one executor ran and none is live any more while
// none is wanted: the state in which an application without a driver is finished.
func (p *pool) AllDone() (done bool, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	succeeded := 0
	for _, e := range p.all {
		switch {
		case e.live():
			return false, 0
		case e.state == stateCompleted:
			succeeded++
		}
	}
	return succeeded >= p.target, p.failures
}

// Succeeded counts executors whose program exited 0.
func (p *pool) Succeeded() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.all {
		if e.state == stateCompleted {
			n++
		}
	}
	return n
}

// Live returns the live executors.
func (p *pool) Live() []*executor {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*executor
	for _, e := range p.all {
		if e.live() {
			out = append(out, e)
		}
	}
	return out
}

// Infos is the executor table as the AM API reports it.
func (p *pool) Infos() []container.ExecutorInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]container.ExecutorInfo, 0, len(p.all))
	for _, e := range p.all {
		info := container.ExecutorInfo{ID: strconv.Itoa(e.id), Host: e.host, Node: e.node, State: e.state,
			ContainerID: e.containerID, LogURL: e.logURL, ExitStatus: e.exitStatus,
			Diagnostics: e.diagnostics, StartedAt: e.started, FinishedAt: e.finished}
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return len(out[i].ID) < len(out[j].ID) || (len(out[i].ID) == len(out[j].ID) && out[i].ID < out[j].ID)
	})
	return out
}
