package am

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/proc"
)

// Environment of a job array's task command, besides the executor's.
const (
	// EnvTask is the task's body (also on standard input), when it is at
	// most maxEnvTask bytes without NUL bytes.
	EnvTask = "SPINDLE_TASK"
	// EnvTaskID is the task's id: its line number in the tasks file.
	EnvTaskID = "SPINDLE_TASK_ID"
)

// Limits of the task launcher.
const (
	taskLeaseTime  = 60 * time.Second
	maxEnvTask     = 64 << 10
	stderrTailSize = 512
)

// TaskLauncher runs a job array's command once per task it leases from the
// ApplicationMaster's queue: `spindle executor --tasks -- CMD ARGS`.
type TaskLauncher struct {
	// Client talks to the AM as this executor.
	Client *container.Client
	// Command runs once per task, with the body on standard input and in
	// SPINDLE_TASK, and the task's id in SPINDLE_TASK_ID.
	Command []string
	// Env is the command's environment before the task's variables (nil:
	// this process's).
	Env []string
	// Supervisor, when set, is the spindle binary that runs each task's
	// command under `spindle supervise` (see proc.Process.Supervisor).
	Supervisor string
	// Stdout and Stderr receive the command's output.
	Stdout, Stderr io.Writer
	// Log receives the launcher's own lines (default: Stderr).
	Log io.Writer
}

// Run leases and runs tasks until the queue has none left for this executor
// (finished, or the AM asked it to stop: nil) or ctx ends (the container is
// being stopped: the task running is stopped and its lease returned).
func (tl *TaskLauncher) Run(ctx context.Context) error {
	if len(tl.Command) == 0 {
		return errors.New("usage: spindle executor --tasks -- COMMAND [ARGS]")
	}
	for n := 0; ; n++ {
		l, err := tl.Client.Lease(ctx, taskLeaseTime)
		switch {
		case errors.Is(err, container.ErrNoMoreTasks):
			tl.logf("executor %s: %v; ran %d tasks, exiting", tl.Client.Env().ExecutorID, err, n)
			return nil
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		}
		if err := tl.runTask(ctx, l); err != nil {
			return err
		}
	}
}

// runTask runs the command for one leased task, renewing the lease while it
// runs, and completes or fails the task by its exit code.
func (tl *TaskLauncher) runTask(ctx context.Context, l container.TaskLease) error {
	id := taskID(l)
	tail := &tailBuffer{max: stderrTailSize}
	env := map[string]string{EnvTaskID: id}
	if len(l.Body) <= maxEnvTask && bytes.IndexByte(l.Body, 0) < 0 {
		env[EnvTask] = string(l.Body)
	}
	r, err := proc.Start(proc.Process{Command: tl.Command, Supervisor: tl.Supervisor, Env: proc.Environ(tl.baseEnv(), env), Stdin: bytes.NewReader(l.Body),
		Stdout: tl.Stdout, Stderr: io.MultiWriter(tl.Stderr, tail), OwnGroup: true, DieWithParent: true})
	if err != nil {
		return tl.fail(ctx, l, fmt.Sprintf("could not start the task command: %v", err))
	}
	stopRenew := tl.renewWhile(ctx, l.TaskID, r.Done())
	stopped := r.Wait(ctx, nil)
	stopRenew()
	if stopped {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := tl.Client.Return(rctx, l.TaskID); err != nil {
			tl.logf("returning task %s: %v", id, err)
		}
		return fmt.Errorf("stopped while running task %s", id)
	}
	exit := r.Exit()
	if exit.Code == 0 && exit.Err == nil {
		if err := tl.Client.Complete(ctx, l.TaskID, nil); err != nil {
			tl.logf("completing task %s: %v", id, err)
		}
		return nil
	}
	reason := exit.Describe("the task command")
	if t := strings.TrimSpace(tail.String()); t != "" {
		reason += "; stderr ends: " + t
	}
	return tl.fail(ctx, l, reason)
}

// fail fails the task; a failure to tell the AM is logged, not fatal (the
// lease expires and the task runs again).
func (tl *TaskLauncher) fail(ctx context.Context, l container.TaskLease, reason string) error {
	tl.logf("task %s (attempt %d) failed: %s", taskID(l), l.Attempt, reason)
	if err := tl.Client.Fail(ctx, l.TaskID, reason); err != nil {
		tl.logf("failing task %s: %v", taskID(l), err)
	}
	return nil
}

// renewWhile renews the lease on task id every third of the lease time
// until done is closed or the returned function is called.
func (tl *TaskLauncher) renewWhile(ctx context.Context, id int64, done <-chan struct{}) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(taskLeaseTime / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-stop:
				return
			case <-t.C:
				if _, err := tl.Client.Renew(ctx, id, taskLeaseTime); err != nil {
					tl.logf("renewing the lease on task %d: %v", id, err)
				}
			}
		}
	}()
	return func() { close(stop); wg.Wait() }
}

func (tl *TaskLauncher) logf(format string, a ...any) {
	w := tl.Log
	if w == nil {
		w = tl.Stderr
	}
	if w != nil {
		fmt.Fprintf(w, "spindle: "+format+"\n", a...)
	}
}

// taskID is the id a task command sees: the task's key (its line number in
// a job array), else its queue id.
func taskID(l container.TaskLease) string {
	if l.Key != "" {
		return l.Key
	}
	return strconv.FormatInt(l.TaskID, 10)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.ToValidUTF8(string(t.b), "")
}

// baseEnv is the environment the task's variables are added to.
func (tl *TaskLauncher) baseEnv() []string {
	if tl.Env == nil {
		return os.Environ()
	}
	return tl.Env
}
