package am

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/am/workqueue"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// dynMaster is a master with dynamic allocation on (min 1, max 4, 1s
// backlog, 5s idle) and a scaler on a fake clock.
func dynMaster(t *testing.T) (*master, *fakeLauncher, *time.Time) {
	t.Helper()
	m, fl := testMaster(&spec.App{ID: "app", Name: "n", Mode: spec.ModeClient, NumExecutors: 1,
		DynamicAllocation: map[string]string{
			"spindle.dynamicAllocation.enabled":             "true",
			"spindle.dynamicAllocation.minExecutors":        "1",
			"spindle.dynamicAllocation.maxExecutors":        "4",
			"spindle.dynamicAllocation.executorIdleTimeout": "5s",
		}}, 1)
	if err := m.initTasks(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.queue.Close)
	// The pool and the queue stamp executors with the real time: the fake
	// clock starts there and only moves forward.
	now := time.Now()
	m.scaler.now = func() time.Time { return now }
	return m, fl, &now
}

// startExecutors assigns and starts containers until the pool's target is met.
func startExecutors(m *master) {
	for m.pool.Wanted() > 0 {
		cid := fmt.Sprintf("c%d", len(m.pool.Infos())+1)
		m.pool.Assign(cid, "node:1", "node", "")
		m.pool.Running(cid)
	}
}

func TestScalerScalesUpOnBacklogAndReleasesIdle(t *testing.T) {
	m, fl, now := dynMaster(t)
	ctx := context.Background()
	if !m.App().DynamicAllocation || m.pool.Target() != 1 {
		t.Fatalf("app %+v, target %d: want dynamic allocation with 1 executor", m.App(), m.pool.Target())
	}
	if err := m.Scale(3); err == nil || !strings.Contains(err.Error(), "dynamic allocation") {
		t.Errorf("Scale with dynamic allocation on = %v, want a refusal", err)
	}
	startExecutors(m)
	tasks := make([]workqueue.NewTask, 10)
	if _, err := m.queue.Enqueue(tasks...); err != nil {
		t.Fatal(err)
	}
	var targets []int
	for i := 0; i < 20; i++ { // 5 s of backlog at 250 ms ticks
		*now = now.Add(scaleTick)
		m.scaler.tick(ctx)
		startExecutors(m)
		if n := m.pool.Target(); len(targets) == 0 || targets[len(targets)-1] != n {
			targets = append(targets, n)
		}
	}
	if fmt.Sprint(targets) != "[1 2 4]" {
		t.Errorf("targets over the backlog = %v, want [1 2 4] (1 s backlog timeout, doubling steps, max 4)", targets)
	}
	// Drain the queue: every executor leases a task and completes it.
	for {
		l, err := m.queue.Lease(ctxTimeout(t), "1", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.queue.Complete(l.TaskID, "1", nil); err != nil {
			t.Fatal(err)
		}
		if m.queue.Counts().Queued == 0 {
			break
		}
	}
	*now = now.Add(scaleTick)
	m.scaler.tick(ctx)
	if m.pool.Target() != 1 {
		t.Errorf("target with no tasks left = %d, want minExecutors 1", m.pool.Target())
	}
	if live := len(m.pool.Live()); live != 4 {
		t.Errorf("lowering the target stopped running executors: %d live, want 4", live)
	}
	*now = now.Add(6 * time.Second) // past the idle timeout
	m.scaler.tick(ctx)
	released := 0
	for _, in := range m.Executors() {
		if in.Activity == container.ActivityStopping {
			released++
		}
	}
	if released != 3 || len(m.pool.Active()) != 1 {
		t.Errorf("after the idle timeout: %d stopping, %d active; want 3 released and 1 kept", released, len(m.pool.Active()))
	}
	evs := m.scales.list()
	if len(evs) < 5 || evs[len(evs)-1].Release == "" || !strings.Contains(evs[len(evs)-1].Reason, "idle") {
		t.Errorf("events = %+v, want target changes then releases with reasons", evs)
	}
	// A released executor exits 0: not a failure, not counted as done work.
	e, out, _ := m.pool.Completed("c2", 0, "")
	if out != outcomeLost || e.state != stateKilled || m.pool.BudgetExceeded() != nil {
		t.Errorf("released executor's exit: outcome %v, state %s", out, e.state)
	}
	select {
	case execs := <-fl.stopped:
		t.Errorf("containers stopped before the grace period: %v", execs)
	default:
	}
}

func TestScalerStopsContainerAfterGrace(t *testing.T) {
	m, fl, _ := dynMaster(t)
	startExecutors(m)
	m.scaler.grace = 50 * time.Millisecond
	e := m.pool.Release("1")
	if e == nil {
		t.Fatal("Release(1) = nil")
	}
	stop, live := m.pool.StopSignal("1")
	if !live || !isDone(stop) {
		t.Errorf("stop signal of a released executor: live %t, closed %t", live, isDone(stop))
	}
	if m.pool.Release("1") != nil {
		t.Error("releasing twice returned the executor again")
	}
	go m.scaler.awaitExit(context.Background(), e)
	select {
	case execs := <-fl.stopped:
		if len(execs) != 1 || execs[0] != e {
			t.Errorf("stopped %v, want executor 1", execs)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the container of an executor that did not exit was never stopped")
	}
}

func TestExecutorEndReachesQueue(t *testing.T) {
	m, _, _ := dynMaster(t)
	startExecutors(m)
	if _, err := m.queue.Enqueue(workqueue.NewTask{Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.queue.Lease(ctxTimeout(t), "1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if in := m.Executors()[0]; in.Activity != container.ActivityBusy || in.Leases != 1 {
		t.Errorf("executor holding a lease: %+v", in)
	}
	e, out, _ := m.pool.Completed("c1", 137, "killed")
	m.pool.ended(e, out)
	task, err := m.queue.Task(1)
	if err != nil {
		t.Fatal(err)
	}
	if task.State != workqueue.Queued || task.Failures != 1 || !strings.Contains(task.LastError, "executor 1 failed") {
		t.Errorf("task after its executor failed: %+v, want queued again with the attempt counted", task)
	}
}

func TestRunTasksOutcome(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		fail       map[string]bool // keys to fail
		want       string
	}{
		{"all succeed", "a\n\nb\nc\n", nil, "all 3 tasks succeeded"},
		{"one fails", "a\nb\nc", map[string]bool{"2": true}, "1 of 3 tasks failed: task 2 failed 4 times, last: broken 2"},
		{"empty", "\n \n", nil, "the tasks file has no tasks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := testMaster(&spec.App{ID: "app", Name: "n", Mode: spec.ModeCluster}, 1)
			if err := m.initTasks(); err != nil {
				t.Fatal(err)
			}
			defer m.queue.Close()
			path := t.TempDir() + "/tasks"
			writeFile(t, path, tc.file)
			go m.runTasks(context.Background(), path)
			go workAll(t, m.queue, tc.fail)
			select {
			case r := <-m.done:
				if !strings.Contains(r.diagnostics, tc.want) {
					t.Errorf("outcome %q, want %q", r.diagnostics, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the job array never ended")
			}
		})
	}
}

// workAll completes every task it leases, failing those whose key is in
// fail, until the queue is finished or closed.
func workAll(t *testing.T, q *workqueue.Queue, fail map[string]bool) {
	for {
		l, err := q.Lease(context.Background(), "9", time.Minute)
		if err != nil {
			return
		}
		if fail[l.Key] {
			_ = q.Fail(l.TaskID, "9", "broken "+l.Key)
		} else {
			_ = q.Complete(l.TaskID, "9", nil)
		}
	}
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
