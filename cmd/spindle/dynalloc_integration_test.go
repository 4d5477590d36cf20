//go:build integration

package main

// End-to-end tests of the work queue and dynamic allocation on the real
// cluster (see e2e_integration_test.go for how to run them). The driver runs
// in this test process (client mode, a client.DriverFunc), so that it can
// watch the AM API over time; the executors run examples/taskqueue.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/hadoopconf"
)

var (
	taskqueueOnce sync.Once
	taskqueueBin  string
	taskqueueErr  error
)

// buildTaskqueue builds examples/taskqueue once per run.
func buildTaskqueue(t *testing.T) string {
	t.Helper()
	taskqueueOnce.Do(func() {
		taskqueueBin = filepath.Join(e2e.dir, "bin", "taskqueue")
		taskqueueErr = goBuild(taskqueueBin, "../../examples/taskqueue")
	})
	if taskqueueErr != nil {
		t.Fatal(taskqueueErr)
	}
	return taskqueueBin
}

// tick is one sample of the AM API.
type tick struct {
	t                    time.Duration
	target, running      int // running: live executors not being stopped
	queued, leased, done int
	busy, idle, stopping int
}

func (k tick) String() string {
	return fmt.Sprintf("t=%5.1fs target=%d running=%d (busy %d, idle %d, stopping %d) queued=%3d leased=%d done=%3d",
		k.t.Seconds(), k.target, k.running, k.busy, k.idle, k.stopping, k.queued, k.leased, k.done)
}

// sample reads the AM API once.
func sample(ctx context.Context, c *container.Client, start time.Time) (tick, []container.ExecutorInfo, error) {
	app, err := c.App(ctx)
	if err != nil {
		return tick{}, nil, err
	}
	execs, err := c.Executors(ctx)
	if err != nil {
		return tick{}, nil, err
	}
	k := tick{t: time.Since(start), target: app.TargetExecutors, queued: app.Tasks.Queued, leased: app.Tasks.Leased, done: app.Tasks.Done}
	for _, e := range execs {
		switch e.Activity {
		case container.ActivityBusy:
			k.busy++
		case container.ActivityIdle:
			k.idle++
		case container.ActivityStopping:
			k.stopping++
		}
		if e.State == container.ExecutorRunning && e.Activity != container.ActivityStopping {
			k.running++
		}
	}
	return k, execs, nil
}

// queueRun is what the in-process driver saw.
type queueRun struct {
	timeline []tick
	killed   string // the executor killed with SIGKILL, if any
	tasks    []container.TaskInfo
	ran      map[string][]byte // the executors' taskqueue/ran/TASK/ATTEMPT marks
	events   []container.ScaleEvent
	err      error
}

// queueDriver enqueues n tasks, samples the AM API every 250 ms until they
// have finished and then until one executor is left (at most settle),
// optionally killing a busy executor with SIGKILL once two or more run,
// then seals the queue and collects the tasks.
func queueDriver(n int, settle time.Duration, kill bool, out *queueRun) client.DriverFunc {
	return func(ctx context.Context, d client.Driver) client.DriverResult {
		fail := func(err error) client.DriverResult {
			out.err = err
			return client.DriverResult{ExitCode: 1, Diagnostics: err.Error()}
		}
		c, err := container.Connect(d.Env)
		if err != nil {
			return fail(err)
		}
		hbCtx, stopHB := context.WithCancel(ctx)
		defer stopHB()
		go func() {
			for hbCtx.Err() == nil {
				_ = c.Heartbeat(hbCtx)
				select {
				case <-hbCtx.Done():
				case <-time.After(d.Heartbeat):
				}
			}
		}()
		batch := make([]container.TaskInput, n)
		for i := range batch {
			batch[i] = container.TaskInput{Key: "n" + strconv.Itoa(i+1), Body: strconv.Itoa(i + 1)}
		}
		if _, err := c.EnqueueBatch(ctx, batch); err != nil {
			return fail(err)
		}
		// The queue stays open while the driver watches, as for a driver that
		// may have more work later: idle executors wait for tasks rather than
		// exit, so that dynamic allocation has to release them.
		if err := watch(ctx, c, d.Env.AppID, n, settle, kill, out); err != nil {
			return fail(err)
		}
		if _, err := c.Seal(ctx); err != nil {
			return fail(err)
		}
		if err := collect(ctx, c, out); err != nil {
			return fail(err)
		}
		return client.DriverResult{ExitCode: 0, Diagnostics: "the test driver is done"}
	}
}

// watch samples the AM API until all n tasks have finished and one
// executor is left (or settle has passed since the tasks finished).
func watch(ctx context.Context, c *container.Client, appID string, n int, settle time.Duration, kill bool, out *queueRun) error {
	start := time.Now()
	var finished time.Time
	for {
		k, execs, err := sample(ctx, c, start)
		if err != nil {
			return err
		}
		out.timeline = append(out.timeline, k)
		if kill && out.killed == "" && k.running >= 2 && k.done >= 20 {
			if out.killed, err = killBusyExecutor(appID, execs); err != nil {
				return err
			}
		}
		if finished.IsZero() && k.queued == 0 && k.leased == 0 && k.done+countFailed(ctx, c) >= n {
			finished = time.Now()
		}
		if !finished.IsZero() && ((k.running == 1 && k.stopping == 0 && k.target == 1) || time.Since(finished) > settle) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func countFailed(ctx context.Context, c *container.Client) int {
	qc, err := c.QueueCounts(ctx)
	if err != nil {
		return 0
	}
	return qc.Failed
}

// killBusyExecutor kills a busy executor's process with SIGKILL, found
// through /proc by SPINDLE_APP_ID and SPINDLE_EXECUTOR_ID.
func killBusyExecutor(appID string, execs []container.ExecutorInfo) (string, error) {
	for _, e := range execs {
		if e.Activity != container.ActivityBusy {
			continue
		}
		pid := findExecutorPid(appID, e.ID)
		if pid == 0 {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return "", fmt.Errorf("kill -9 %d (executor %s): %w", pid, e.ID, err)
		}
		return e.ID, nil
	}
	return "", nil
}

// findExecutorPid finds the process of an executor by its environment.
func findExecutorPid(appID, execID string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil {
			continue
		}
		vars := strings.Split(string(env), "\x00")
		has := func(kv string) bool {
			for _, v := range vars {
				if v == kv {
					return true
				}
			}
			return false
		}
		if has("SPINDLE_APP_ID="+appID) && has("SPINDLE_EXECUTOR_ID="+execID) && has("SPINDLE_ROLE=executor") {
			cmdline, _ := os.ReadFile(filepath.Join(d, "cmdline"))
			if strings.Contains(string(cmdline), "taskqueue") {
				pid, _ := strconv.Atoi(filepath.Base(d))
				return pid
			}
		}
	}
	return 0
}

// collect reads every task, the executors' marks and the scale events.
func collect(ctx context.Context, c *container.Client, out *queueRun) error {
	for after := int64(0); ; {
		page, err := c.Tasks(ctx, "", after)
		if err != nil {
			return err
		}
		out.tasks = append(out.tasks, page.Tasks...)
		if after = page.Next; after == 0 {
			break
		}
	}
	var err error
	if out.ran, err = c.List(ctx, "taskqueue/ran/"); err != nil {
		return err
	}
	out.events, err = c.ScaleEvents(ctx)
	return err
}

// runQueueApp runs a client-mode application whose executors run
// examples/taskqueue with dynamic allocation (min 1, max 6, 1 s backlog
// timeout, idle timeout idle) and whose driver is queueDriver.
func runQueueApp(t *testing.T, n int, work, idle time.Duration, kill bool) (*queueRun, *client.Outcome) {
	t.Helper()
	bin := buildTaskqueue(t)
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	kv := map[string]string{
		client.KeyMaster: "yarn", client.KeyDeployMode: "client", client.KeyExecutorMemory: "128m",
		client.KeyFiles: bin, client.KeyExecutorCommand: "./taskqueue -work " + work.String(),
		"spindle.dynamicAllocation.enabled":                 "true",
		"spindle.dynamicAllocation.minExecutors":            "1",
		"spindle.dynamicAllocation.maxExecutors":            "6",
		"spindle.dynamicAllocation.schedulerBacklogTimeout": "1s",
		"spindle.dynamicAllocation.executorIdleTimeout":     idle.String(),
		client.KeyName: "e2e-dynalloc",
	}
	opts, err := client.ResolveOptions(kv, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	run := &queueRun{}
	log := logrus.New()
	log.SetOutput(testWriter{t})
	out, err := client.Run(ctx, conf, opts, client.RunConfig{Log: log, Driver: queueDriver(n, 3*idle, kill, run),
		Executable:  func() (string, error) { return e2e.spindle, nil },
		OnSubmitted: func(a *client.Application) { t.Logf("application %s", a.ID) }})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if run.err != nil {
		t.Fatalf("driver: %v", run.err)
	}
	return run, out
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// logTimeline prints the samples where something changed.
func logTimeline(t *testing.T, run *queueRun) {
	t.Helper()
	var b strings.Builder
	last := ""
	for _, k := range run.timeline {
		s := fmt.Sprintf("%d %d %d %d %d %d %d", k.target, k.running, k.queued/10, k.leased, k.busy, k.idle, k.stopping)
		if s != last {
			fmt.Fprintln(&b, k)
			last = s
		}
	}
	fmt.Fprintln(&b, run.timeline[len(run.timeline)-1])
	t.Logf("timeline (t, target, running executors, queued, leased, done):\n%s", b.String())
	for _, ev := range run.events {
		t.Logf("scale event: target %d release %q: %s", ev.Target, ev.Release, ev.Reason)
	}
}

// checkExactlyOnce checks that every task is done exactly once.
func checkExactlyOnce(t *testing.T, run *queueRun, n int) {
	t.Helper()
	if len(run.tasks) != n {
		t.Fatalf("%d tasks in the queue, want %d", len(run.tasks), n)
	}
	for _, task := range run.tasks {
		if task.State != container.TaskDone || !strings.Contains(string(task.Result), "squared is") {
			t.Errorf("task %d: %s, result %q, last error %q: want done once", task.ID, task.State, task.Result, task.LastError)
		}
	}
}

// 1. 200 short tasks: the executors grow above 1 while tasks wait and fall
// back to 1 once the queue has drained and the idle timeout has passed.
func TestE2EDynamicAllocationFollowsBacklog(t *testing.T) {
	needCluster(t)
	const n = 200
	idle := 6 * time.Second
	run, out := runQueueApp(t, n, 250*time.Millisecond, idle, false)
	logTimeline(t, run)
	if !out.Succeeded {
		t.Errorf("application did not succeed: %s", out.Diagnostics)
	}
	checkExactlyOnce(t, run, n)
	maxWhileQueued, drainedAt := 0, -1
	for i, k := range run.timeline {
		if k.queued > 0 {
			maxWhileQueued = max(maxWhileQueued, k.running)
		}
		if drainedAt < 0 && k.queued == 0 && k.leased == 0 && k.done == n {
			drainedAt = i
		}
	}
	if maxWhileQueued < 2 {
		t.Errorf("at most %d executors ran while tasks waited: want more than 1", maxWhileQueued)
	}
	if drainedAt < 0 {
		t.Fatal("the queue never drained")
	}
	last := run.timeline[len(run.timeline)-1]
	if last.running != 1 || last.target != 1 {
		t.Errorf("after the queue drained and the idle timeout passed: %v, want 1 executor", last)
	}
	if wait := last.t - run.timeline[drainedAt].t; wait < idle-time.Second {
		t.Errorf("back to 1 executor %v after the queue drained, before the idle timeout %v", wait, idle)
	}
	released := 0
	for _, ev := range run.events {
		if ev.Release != "" && strings.Contains(ev.Reason, "idle") {
			released++
		}
	}
	if released < 1 {
		t.Errorf("no release events with an idle reason: %+v", run.events)
	}
}

// 2. An executor killed with SIGKILL in the middle of a task: its task runs
// again elsewhere, and every task is done exactly once.
func TestE2EWorkQueueExecutorKilled(t *testing.T) {
	needCluster(t)
	const n = 200
	run, out := runQueueApp(t, n, 400*time.Millisecond, 5*time.Second, true)
	logTimeline(t, run)
	if run.killed == "" {
		t.Fatal("no busy executor was found to kill")
	}
	t.Logf("killed executor %s with SIGKILL", run.killed)
	if !out.Succeeded {
		t.Errorf("application did not succeed: %s", out.Diagnostics)
	}
	checkExactlyOnce(t, run, n)
	rerun := 0
	for _, task := range run.tasks {
		if task.Attempts > 1 {
			rerun++
			first := string(run.ran[fmt.Sprintf("taskqueue/ran/%d/1", task.ID)])
			t.Logf("task %d: %d attempts, first on executor %s, done by %q; last error %q", task.ID, task.Attempts, first, task.Result, task.LastError)
			if first != run.killed || !strings.Contains(task.LastError, "executor "+run.killed+" failed") {
				t.Errorf("task %d was re-run, but not because executor %s died", task.ID, run.killed)
			}
		}
	}
	if rerun != 1 {
		t.Errorf("%d tasks ran more than once, want exactly the killed executor's task", rerun)
	}
}

// 3. A job array (--tasks FILE, no driver code): every line runs once, the
// application succeeds; with a line that always fails it ends FAILED naming
// that task, and `spindle status` shows it.
func TestE2EJobArray(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dir := t.TempDir()
	var lines []string
	for i := 1; i <= 30; i++ {
		lines = append(lines, fmt.Sprintf("item-%d", i))
	}
	tasks := filepath.Join(dir, "tasks.txt")
	if err := os.WriteFile(tasks, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `test "$(cat)" = "$SPINDLE_TASK" && test "$SPINDLE_TASK" = "item-$SPINDLE_TASK_ID" || exit 5; ` +
		`case $SPINDLE_TASK in item-7) echo "item 7 is broken" >&2; exit 3;; esac; echo "done $SPINDLE_TASK_ID"`
	cmd := "/bin/sh -c '" + script + "'"
	base := append([]string{"submit", "--master", "yarn", "--num-executors", "2", "--tasks", tasks}, e2eSizes...)

	t.Run("succeeds", func(t *testing.T) {
		ok := strings.Replace(cmd, "item-7)", "item-none)", 1)
		p := startSpindle(t, nil, append(base, "--executor-command", ok)...)
		a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
		if code := p.wait(t, ctx); code != 0 {
			t.Errorf("spindle exited %d:\n%s", code, p.stderr())
		}
		r := waitTerminal(t, ctx, cl, a)
		t.Logf("%s: %s/%s: %s", a.str, r.State, r.FinalStatus, r.Diagnostics)
		if r.FinalStatus != "SUCCEEDED" || !strings.Contains(r.Diagnostics, "all 30 tasks succeeded") {
			t.Errorf("report %s/%s %q, want SUCCEEDED with all 30 tasks", r.State, r.FinalStatus, r.Diagnostics)
		}
	})
	t.Run("one task always fails", func(t *testing.T) {
		p := startSpindle(t, nil, append(base, "--executor-command", cmd)...)
		a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
		if code := p.wait(t, ctx); code == 0 {
			t.Errorf("spindle exited 0 for a failed job array")
		}
		r := waitTerminal(t, ctx, cl, a)
		t.Logf("%s: %s/%s: %s", a.str, r.State, r.FinalStatus, r.Diagnostics)
		want := "1 of 30 tasks failed: task 7 failed 4 times"
		if r.FinalStatus != "FAILED" || !strings.Contains(r.Diagnostics, want) || !strings.Contains(r.Diagnostics, "item 7 is broken") {
			t.Errorf("report %s/%s %q, want FAILED with %q and the task's stderr", r.State, r.FinalStatus, r.Diagnostics, want)
		}
		st := runSpindle(t, ctx, nil, "status", a.str)
		t.Logf("spindle status:\n%s", st.stdout())
		if !strings.Contains(st.stdout(), want) {
			t.Errorf("spindle status does not name the failed task:\n%s", st.stdout())
		}
	})
}
