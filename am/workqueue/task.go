package workqueue

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// State is where a task is in its life.
type State string

// Task states. Done and Failed are terminal.
const (
	// Queued: waiting to be leased.
	Queued State = "queued"
	// Leased: an executor holds a lease on it.
	Leased State = "leased"
	// Done: completed successfully.
	Done State = "done"
	// Failed: its attempt limit was reached.
	Failed State = "failed"
)

// Terminal reports whether s is Done or Failed.
func (s State) Terminal() bool { return s == Done || s == Failed }

// ParseState parses "queued", "leased", "done" or "failed".
func ParseState(s string) (State, error) {
	switch st := State(s); st {
	case Queued, Leased, Done, Failed:
		return st, nil
	}
	return "", fmt.Errorf("%w: task state %q: want queued, leased, done or failed", ErrInvalid, s)
}

// NewTask is a task to enqueue.
type NewTask struct {
	// Key, if not empty, makes enqueuing idempotent: enqueuing a task with
	// the key of an existing one returns the existing task (its body must be
	// the same). At most MaxKeyLen bytes of printable UTF-8.
	Key string
	// Body is handed to the executor that leases the task.
	Body []byte
	// MaxAttempts overrides Options.MaxAttempts for this task if positive.
	MaxAttempts int
}

// MaxKeyLen is the longest task key, in bytes.
const MaxKeyLen = 512

// Enqueued is the outcome of enqueuing one task.
type Enqueued struct {
	// ID is the task's id.
	ID int64
	// Key is the task's key, if any.
	Key string
	// Created is false when the key matched an existing task.
	Created bool
}

// Task is a snapshot of a task's state, without its body.
type Task struct {
	// ID identifies the task: 1, 2, ... in the order of enqueuing.
	ID int64
	// Key is the client's key, if any.
	Key string
	// State is where the task is.
	State State
	// Attempts counts the leases handed out for the task.
	Attempts int
	// Failures counts the attempts that count against MaxAttempts (see the
	// package documentation).
	Failures int
	// MaxAttempts is the task's limit on Failures: reaching it fails the task.
	MaxAttempts int
	// LastError is the reason of the latest failed attempt, if any.
	LastError string
	// Result is what the executor completed the task with.
	Result []byte
	// Executor holds the lease while the task is leased; once finished, it
	// is the executor of the last attempt.
	Executor string
	// BodySize is the size of the task's body, in bytes.
	BodySize int
	// CreatedAt is when the task was enqueued.
	CreatedAt time.Time
	// UpdatedAt is when the task last changed.
	UpdatedAt time.Time
	// LeaseExpires is when the current lease ends unless renewed; zero unless
	// leased.
	LeaseExpires time.Time
	// FinishedAt is when the task became done or failed; zero before.
	FinishedAt time.Time
}

// Lease is a task handed to an executor.
type Lease struct {
	// TaskID is the leased task's id.
	TaskID int64
	// Key is the task's key, if any.
	Key string
	// Body is the task's body. The caller must not modify it.
	Body []byte
	// Attempt is the number of this attempt, from 1.
	Attempt int
	// Expires is when the lease ends unless renewed.
	Expires time.Time
}

// Counts summarizes the queue.
type Counts struct {
	// Queued, Leased, Done and Failed count the tasks in each state.
	Queued, Leased, Done, Failed int
	// Total is the number of tasks ever enqueued.
	Total int
	// Bytes is the memory the queue accounts for: unfinished bodies, results
	// and error texts.
	Bytes int64
	// Sealed is set once no more tasks are accepted.
	Sealed bool
	// Finished is set once the queue is sealed and every task is done or
	// failed.
	Finished bool
}

// validateKey checks a task key.
func validateKey(key string) error {
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: task key is %d bytes, the limit is %d", ErrInvalid, len(key), MaxKeyLen)
	}
	if !utf8.ValidString(key) {
		return fmt.Errorf("%w: task key %q is not valid UTF-8", ErrInvalid, key)
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: task key %q contains a control character", ErrInvalid, key)
		}
	}
	return nil
}

// validateExecutor checks an executor id.
func validateExecutor(id string) error {
	if id == "" {
		return fmt.Errorf("%w: executor id is empty", ErrInvalid)
	}
	if len(id) > MaxKeyLen || !utf8.ValidString(id) {
		return fmt.Errorf("%w: executor id %q is too long or not UTF-8", ErrInvalid, id)
	}
	return nil
}
