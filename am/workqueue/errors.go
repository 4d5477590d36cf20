package workqueue

import "errors"

// Errors returned, wrapped with details, by Queue methods. Callers branch on
// them with errors.Is; Handler maps them to HTTP statuses (shown in
// brackets).
var (
	// ErrBodyTooLarge: a task body is larger than Options.MaxBodyBytes, or a
	// result larger than Options.MaxResultBytes [413].
	ErrBodyTooLarge = errors.New("too large")
	// ErrQueueFull: enqueuing would exceed Options.MaxTasks or
	// Options.MaxBytes [429].
	ErrQueueFull = errors.New("task queue is full")
	// ErrInvalid: an argument is malformed, e.g. an empty executor id or a
	// key with control characters [400].
	ErrInvalid = errors.New("invalid argument")
	// ErrNoSuchTask: no task has the given id [404].
	ErrNoSuchTask = errors.New("no such task")
	// ErrKeyConflict: a task with the same key but a different body exists
	// [409].
	ErrKeyConflict = errors.New("task key already used with a different body")
	// ErrNotLeased: the task is not leased by the calling executor (any
	// more): its lease expired, it was handed to another executor, or it is
	// finished [409].
	ErrNotLeased = errors.New("task is not leased by this executor")
	// ErrExecutorLost: the executor was reported lost and gets no more
	// tasks [409].
	ErrExecutorLost = errors.New("executor was reported lost")
	// ErrSealed: the queue is sealed and takes no more tasks [409].
	ErrSealed = errors.New("task queue is sealed")
	// ErrNoMoreTasks: the queue is sealed and every task is finished, so
	// there will never be a task to lease [410].
	ErrNoMoreTasks = errors.New("no more tasks: the queue is sealed and every task is finished")
	// ErrClosed: the queue was closed because the ApplicationMaster is
	// shutting down [503].
	ErrClosed = errors.New("task queue is closed")
)
