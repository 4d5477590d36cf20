// Package workqueue is the ApplicationMaster's task queue: a driver (or any
// holder of the right credential) enqueues tasks with opaque bodies,
// executors lease them one at a time, renew their leases while working, and
// complete or fail them. A task whose lease expires, or whose executor is
// lost, is handed out again until its attempt limit is reached, after which
// it is failed for good.
//
// # Attempts
//
// Every lease handed out is an attempt (Task.Attempts). Some attempts count
// against the task's limit (Task.Failures, at most Task.MaxAttempts):
//
//   - Fail: counts.
//   - A lease that expires without renewal: counts (the executor hung or
//     is unreachable, which the queue cannot tell apart from a task that
//     hangs).
//   - ExecutorLost(id, true), an executor that failed through its own
//     fault (non-zero exit, killed for exceeding its memory): counts, since
//     the task it ran may be what crashed it.
//   - ExecutorLost(id, false), an executor taken away by the framework
//     (preemption, node loss, stopped by the ApplicationMaster): does not
//     count.
//   - Return, an executor giving a lease back because it is asked to stop:
//     does not count.
//
// This follows Spark, which counts a lost executor's tasks as failed only
// when the exit was caused by the application.
//
// # Finishing
//
// Seal says that no more tasks will come. WaitAll returns once the queue is
// sealed and every task is done or failed; Lease then fails with
// ErrNoMoreTasks, so executors know to exit. Close ends all waits at once
// (ApplicationMaster shutdown).
//
// # Memory
//
// The queue holds at most Options.MaxTasks tasks (terminal ones included:
// their state stays queryable) and Options.MaxBytes bytes of bodies of
// unfinished tasks, results and error texts. Enqueue refuses more with
// errors wrapping ErrQueueFull; a body larger than Options.MaxBodyBytes is
// refused with an error wrapping ErrBodyTooLarge. Bodies are dropped once a
// task is done or failed. Completions are never refused for space, so the
// byte total can exceed MaxBytes by at most MaxTasks × (MaxResultBytes +
// MaxErrorBytes).
//
// Handler serves the queue over HTTP; the container package has the client.
package workqueue
