package workqueue

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
)

// Lease hands the next queued task to the executor for leaseTime, waiting
// until there is one or ctx ends. It fails with ErrNoMoreTasks once the
// queue is sealed and every task is finished, ErrClosed once the queue is
// closed, ErrExecutorLost for an executor reported lost, and ctx's error
// (wrapped) when ctx ends first. While waiting, the executor counts as idle.
func (q *Queue) Lease(ctx context.Context, executorID string, leaseTime time.Duration) (Lease, error) {
	if err := validateExecutor(executorID); err != nil {
		return Lease{}, fmt.Errorf("leasing a task: %w", err)
	}
	if err := q.checkLeaseTime(leaseTime); err != nil {
		return Lease{}, fmt.Errorf("leasing a task: %w", err)
	}
	for {
		l, ch, err := q.tryLease(executorID, leaseTime)
		if err != nil || ch == nil {
			return l, err
		}
		select {
		case <-ctx.Done():
			return Lease{}, fmt.Errorf("waiting for a task for executor %s: %w", executorID, ctx.Err())
		case <-ch:
		}
	}
}

// tryLease leases the next task if there is one; otherwise it returns the
// channel that is closed on the next change.
func (q *Queue) tryLease(executorID string, leaseTime time.Duration) (Lease, <-chan struct{}, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return Lease{}, nil, fmt.Errorf("leasing a task: %w", ErrClosed)
	case q.lost[executorID]:
		return Lease{}, nil, fmt.Errorf("leasing a task for executor %s: %w", executorID, ErrExecutorLost)
	}
	now := q.clock.Now()
	e := q.executorLocked(executorID, now)
	t := q.popLocked()
	if t == nil {
		if c := q.countsLocked(); c.Finished {
			return Lease{}, nil, fmt.Errorf("leasing a task: %w", ErrNoMoreTasks)
		}
		return Lease{}, q.changed, nil
	}
	q.setStateLocked(t, Leased, now)
	t.Attempts++
	t.Executor = executorID
	e.leases++
	q.armLocked(t, now, leaseTime)
	q.notifyLocked()
	return Lease{TaskID: t.ID, Key: t.Key, Body: t.body, Attempt: t.Attempts, Expires: t.LeaseExpires}, nil, nil
}

// checkLeaseTime checks a requested lease time.
func (q *Queue) checkLeaseTime(d time.Duration) error {
	if d <= 0 || d > q.opts.MaxLeaseTime {
		return fmt.Errorf("%w: lease time %v must be positive and at most %v", ErrInvalid, d, q.opts.MaxLeaseTime)
	}
	return nil
}

// armLocked (re)starts the expiry of t's lease.
func (q *Queue) armLocked(t *task, now time.Time, d time.Duration) {
	q.disarmLocked(t)
	t.LeaseExpires = now.Add(d)
	id, gen := t.ID, t.gen
	t.timer = q.clock.AfterFunc(d, func() { q.expire(id, gen) })
}

// disarmLocked stops t's lease expiry and invalidates a pending one.
func (q *Queue) disarmLocked(t *task) {
	t.gen++
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}

// expire ends the lease gen of task id if it is still current.
func (q *Queue) expire(id int64, gen uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	t, err := q.taskLocked(id)
	if err != nil || q.closed || t.State != Leased || t.gen != gen {
		return
	}
	q.expireLocked(t, q.clock.Now())
}

// expireLocked fails t's attempt because its lease ran out.
func (q *Queue) expireLocked(t *task, now time.Time) {
	reason := fmt.Sprintf("lease of executor %s expired at %s without renewal", t.Executor, t.LeaseExpires.UTC().Format(time.RFC3339))
	q.endAttemptLocked(t, now, reason, true)
}

// heldLocked returns task id if executorID holds an unexpired lease on it.
func (q *Queue) heldLocked(id int64, executorID string, now time.Time) (*task, error) {
	if q.closed {
		return nil, ErrClosed
	}
	t, err := q.taskLocked(id)
	if err != nil {
		return nil, err
	}
	if t.State != Leased || t.Executor != executorID {
		return nil, fmt.Errorf("%w: task %d is %s (executor %q)", ErrNotLeased, id, t.State, t.Executor)
	}
	if !now.Before(t.LeaseExpires) {
		q.expireLocked(t, now)
		return nil, fmt.Errorf("%w: its lease on task %d expired at %s", ErrNotLeased, id, t.LeaseExpires.UTC().Format(time.RFC3339))
	}
	return t, nil
}

// Renew extends the executor's lease on task id to leaseTime from now and
// returns the new expiry.
func (q *Queue) Renew(id int64, executorID string, leaseTime time.Duration) (time.Time, error) {
	if err := q.checkLeaseTime(leaseTime); err != nil {
		return time.Time{}, fmt.Errorf("renewing lease on task %d: %w", id, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	t, err := q.heldLocked(id, executorID, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("renewing lease on task %d for executor %s: %w", id, executorID, err)
	}
	q.armLocked(t, now, leaseTime)
	t.UpdatedAt = now
	return t.LeaseExpires, nil
}

// Complete marks task id done with result, if executorID holds its lease.
func (q *Queue) Complete(id int64, executorID string, result []byte) error {
	if len(result) > q.opts.MaxResultBytes {
		return fmt.Errorf("completing task %d: %w: result is %d bytes, the limit is %d", id, ErrBodyTooLarge, len(result), q.opts.MaxResultBytes)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	t, err := q.heldLocked(id, executorID, now)
	if err != nil {
		return fmt.Errorf("completing task %d for executor %s: %w", id, executorID, err)
	}
	q.releaseLocked(t, now)
	t.Result = bytes.Clone(result)
	q.bytes += int64(len(t.Result))
	q.finishLocked(t, Done, now)
	return nil
}

// Fail ends the executor's attempt at task id with reason. The task is
// queued again, or failed for good once it has failed MaxAttempts times.
func (q *Queue) Fail(id int64, executorID, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	t, err := q.heldLocked(id, executorID, now)
	if err != nil {
		return fmt.Errorf("failing task %d for executor %s: %w", id, executorID, err)
	}
	if strings.TrimSpace(reason) == "" {
		reason = "failed by executor " + executorID + " without a reason"
	}
	q.endAttemptLocked(t, now, reason, true)
	return nil
}

// Return gives the executor's lease on task id back without counting the
// attempt, e.g. because the executor was asked to stop. The task is queued
// again.
func (q *Queue) Return(id int64, executorID string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	t, err := q.heldLocked(id, executorID, now)
	if err != nil {
		return fmt.Errorf("returning task %d for executor %s: %w", id, executorID, err)
	}
	q.endAttemptLocked(t, now, "", false)
	return nil
}

// endAttemptLocked ends t's current lease unsuccessfully: with reason (kept
// as LastError if not empty), counted against MaxAttempts if count.
func (q *Queue) endAttemptLocked(t *task, now time.Time, reason string, count bool) {
	q.releaseLocked(t, now)
	if reason != "" {
		q.setErrorLocked(t, reason)
	}
	if count {
		t.Failures++
	}
	if t.Failures >= t.MaxAttempts {
		q.finishLocked(t, Failed, now)
		return
	}
	q.setStateLocked(t, Queued, now)
	q.pushLocked(t)
	q.notifyLocked()
}

// setErrorLocked keeps reason, truncated, as t's LastError.
func (q *Queue) setErrorLocked(t *task, reason string) {
	reason = strings.ToValidUTF8(reason, "\uFFFD")
	if len(reason) > q.opts.MaxErrorBytes {
		cut := q.opts.MaxErrorBytes
		for cut > 0 && !isRuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut] + "..."
	}
	q.bytes += int64(len(reason) - len(t.LastError))
	t.LastError = reason
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// releaseLocked ends t's lease: stops its expiry and frees its executor.
func (q *Queue) releaseLocked(t *task, now time.Time) {
	q.disarmLocked(t)
	t.LeaseExpires = time.Time{}
	if e := q.execs[t.Executor]; e != nil {
		e.leases--
		if e.leases == 0 {
			e.idleSince = now
		}
	}
}

// finishLocked makes t terminal and drops its body.
func (q *Queue) finishLocked(t *task, s State, now time.Time) {
	q.setStateLocked(t, s, now)
	t.FinishedAt = now
	q.bytes -= int64(len(t.body))
	t.body = nil
	q.notifyLocked()
}
