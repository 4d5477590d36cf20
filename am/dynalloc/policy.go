package dynalloc

import (
	"fmt"
	"sort"
	"time"
)

// Executor is a running executor as the policy sees it. Executors still
// being started, and executors already being released, are not listed.
type Executor struct {
	// ID identifies the executor.
	ID string
	// Busy is set while the executor holds a task.
	Busy bool
	// IdleSince is when the executor last became idle: when its last task
	// ended, or when it started if it never had one. Ignored when Busy.
	IdleSince time.Time
}

// Load is the input of one tick.
type Load struct {
	// Pending counts the tasks waiting for an executor.
	Pending int
	// Running counts the tasks being worked on.
	Running int
	// Executors are the running executors.
	Executors []Executor
}

// Release is the decision to release one executor.
type Release struct {
	// ExecutorID is the executor to release.
	ExecutorID string
	// Reason says why, e.g. "executor 3 has been idle for 1m0s
	// (executorIdleTimeout 1m0s)".
	Reason string
}

// Decision is the outcome of one tick.
type Decision struct {
	// Target is the number of executors to have, running and starting.
	// Lowering it must only cancel executors not yet started: running ones
	// go only through Releases.
	Target int
	// Previous is the target before this tick.
	Previous int
	// Reason explains a change of the target; empty when it did not change.
	Reason string
	// Releases lists the executors to release gracefully, oldest idle first.
	Releases []Release
}

// Changed reports whether the tick changed the target or released
// executors: the decisions worth reporting.
func (d Decision) Changed() bool { return d.Target != d.Previous || len(d.Releases) > 0 }

// Policy is Spark's dynamic allocation policy. Create it with New. It is not
// safe for concurrent use: one goroutine ticks it.
type Policy struct {
	cfg          Config
	target       int
	toAdd        int       // executors the next ramp-up step adds
	addTime      time.Time // when the next step is due; zero without backlog
	backlogSince time.Time // when tasks started waiting; zero without backlog
	initializing bool
}

// New returns a policy whose target is cfg's InitialExecutors.
func New(cfg Config) (*Policy, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("configuring dynamic allocation: %w", err)
	}
	return &Policy{cfg: c, target: c.InitialExecutors, toAdd: 1, initializing: true}, nil
}

// Config returns the policy's configuration, defaults filled in.
func (p *Policy) Config() Config { return p.cfg }

// Target returns the current target.
func (p *Policy) Target() int { return p.target }

// Update advances the policy to now with the given load and returns its
// decision.
func (p *Policy) Update(now time.Time, load Load) Decision {
	d := Decision{Previous: p.target}
	idle := p.timedOut(now, load.Executors)
	if len(idle) > 0 || load.Pending > 0 || load.Running > 0 {
		p.initializing = false
	}
	p.trackBacklog(now, load.Pending)
	if !p.initializing {
		d.Reason = p.updateTarget(now, load)
	}
	d.Target = p.target
	d.Releases = p.releases(now, idle, len(load.Executors))
	return d
}

// trackBacklog starts the backlog timer when tasks start waiting and
// resets the ramp-up when none wait.
func (p *Policy) trackBacklog(now time.Time, pending int) {
	switch {
	case pending == 0:
		p.addTime, p.backlogSince = time.Time{}, time.Time{}
		p.toAdd = 1
	case p.backlogSince.IsZero():
		p.backlogSince = now
		p.addTime = now.Add(p.cfg.SchedulerBacklogTimeout)
	}
}

// needed is the number of executors the tasks can keep busy.
func (p *Policy) needed(load Load) int {
	tasks := max(load.Pending, 0) + max(load.Running, 0)
	return (tasks + p.cfg.TasksPerExecutor - 1) / p.cfg.TasksPerExecutor
}

// updateTarget lowers the target to the need or takes a ramp-up step when
// one is due, and returns the reason of a change.
func (p *Policy) updateTarget(now time.Time, load Load) string {
	need := p.needed(load)
	old := p.target
	switch {
	case need < p.target:
		p.target = max(need, p.cfg.MinExecutors)
		p.toAdd = 1
		if p.target == old {
			return ""
		}
		return fmt.Sprintf("target %d -> %d: %d queued and %d running tasks need %d executors (minExecutors %d)",
			old, p.target, load.Pending, load.Running, need, p.cfg.MinExecutors)
	case !p.addTime.IsZero() && !now.Before(p.addTime):
		step := p.toAdd
		p.addExecutors(need, len(load.Executors))
		p.addTime = now.Add(p.cfg.SustainedSchedulerBacklogTimeout)
		if p.target == old {
			return ""
		}
		return fmt.Sprintf("target %d -> %d: tasks have been queued for %v, %d now (step %d, %d executors needed, maxExecutors %d)",
			old, p.target, now.Sub(p.backlogSince), load.Pending, step, need, p.cfg.MaxExecutors)
	}
	return ""
}

// addExecutors takes one ramp-up step: add toAdd to the target (at least the
// executors already running), capped by need and the maximum, and double
// the step if it was taken in full.
func (p *Policy) addExecutors(need, running int) {
	if p.target >= p.cfg.MaxExecutors {
		p.toAdd = 1
		return
	}
	old := p.target
	t := max(p.target, running) + p.toAdd
	t = min(t, need)
	t = max(min(t, p.cfg.MaxExecutors), p.cfg.MinExecutors)
	p.target = t
	switch delta := t - old; {
	case delta == p.toAdd:
		p.toAdd *= 2
	default:
		p.toAdd = 1
	}
}

// timedOut returns the idle executors whose idle timeout has passed, the
// longest idle first.
func (p *Policy) timedOut(now time.Time, execs []Executor) []Executor {
	var out []Executor
	for _, e := range execs {
		if !e.Busy && now.Sub(e.IdleSince) >= p.cfg.ExecutorIdleTimeout {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].IdleSince.Equal(out[j].IdleSince) {
			return out[i].IdleSince.Before(out[j].IdleSince)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// releases picks, among the timed-out executors, those to release while
// keeping max(MinExecutors, target) executors.
func (p *Policy) releases(now time.Time, idle []Executor, count int) []Release {
	keep := max(p.cfg.MinExecutors, p.target)
	var out []Release
	for _, e := range idle {
		if count-1 < keep {
			break
		}
		count--
		out = append(out, Release{
			ExecutorID: e.ID,
			Reason: fmt.Sprintf("executor %s has been idle for %v (executorIdleTimeout %v); %d executors remain",
				e.ID, now.Sub(e.IdleSince).Round(time.Millisecond), p.cfg.ExecutorIdleTimeout, count),
		})
	}
	return out
}
