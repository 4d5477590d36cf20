package workqueue

import (
	"fmt"
	"sort"
	"time"
)

// executor is what the queue knows about an executor that asked for work.
type executor struct {
	leases    int
	idleSince time.Time
}

// executorLocked returns the executor's record, creating it (idle since
// now) on first sight.
func (q *Queue) executorLocked(id string, now time.Time) *executor {
	e := q.execs[id]
	if e == nil {
		e = &executor{idleSince: now}
		q.execs[id] = e
	}
	return e
}

// Activity is an executor's use of the queue.
type Activity struct {
	// ID is the executor's id.
	ID string
	// Leases is the number of leases it holds; it is busy if positive.
	Leases int
	// IdleSince is when it last became idle: when its last lease ended, or
	// when it first asked for a task. Zero while it is busy.
	IdleSince time.Time
}

// Busy reports whether the executor holds a lease.
func (a Activity) Busy() bool { return a.Leases > 0 }

// Executors returns the activity of every executor that has asked for a
// task and was not reported lost, ordered by id.
func (q *Queue) Executors() []Activity {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Activity, 0, len(q.execs))
	for id, e := range q.execs {
		a := Activity{ID: id, Leases: e.leases}
		if e.leases == 0 {
			a.IdleSince = e.idleSince
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Executor returns the activity of one executor; ok is false if it has
// never asked for a task or was reported lost.
func (q *Queue) Executor(id string) (a Activity, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.execs[id]
	if e == nil {
		return Activity{}, false
	}
	a = Activity{ID: id, Leases: e.leases}
	if e.leases == 0 {
		a.IdleSince = e.idleSince
	}
	return a, true
}

// ExecutorLost ends every lease the executor holds and refuses it tasks
// from now on. taskFault says whether the executor failed through its own
// fault (non-zero exit, killed for exceeding its memory), which counts the
// attempts against the tasks' limits; pass false when the framework took it
// away (preemption, node loss, stopped by the ApplicationMaster). It
// returns the ids of the tasks whose leases ended.
func (q *Queue) ExecutorLost(executorID string, taskFault bool) []int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.lost[executorID] = true
	now := q.clock.Now()
	var ended []int64
	if e := q.execs[executorID]; e != nil && e.leases > 0 {
		for _, t := range q.tasks {
			if t.State == Leased && t.Executor == executorID {
				reason := fmt.Sprintf("executor %s was lost", executorID)
				if taskFault {
					reason = fmt.Sprintf("executor %s failed while running the task", executorID)
				}
				q.endAttemptLocked(t, now, reason, taskFault)
				ended = append(ended, t.ID)
			}
		}
	}
	delete(q.execs, executorID)
	q.notifyLocked()
	return ended
}
