package am

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/am/workqueue"
	"github.com/spindle-yarn/spindle/container"
)

func TestTaskLauncherRunsCommandPerTask(t *testing.T) {
	q, err := workqueue.New(workqueue.Options{MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	who := func(r *http.Request) (string, bool) { return r.Header.Get(container.HeaderExecutorID), false }
	ts := httptest.NewServer(workqueue.Handler(q, who, nil))
	defer ts.Close()
	var tasks []workqueue.NewTask
	for i, body := range []string{"alpha", "beta gamma", "delta"} {
		tasks = append(tasks, workqueue.NewTask{Key: string(rune('1' + i)), Body: []byte(body)})
	}
	if _, err := q.Enqueue(tasks...); err != nil {
		t.Fatal(err)
	}
	q.Seal()
	c, err := container.Connect(container.Env{Role: container.RoleExecutor, AppID: "a", ExecutorID: "4", AMURL: ts.URL, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	script := `body=$(cat); echo "task $SPINDLE_TASK_ID: $body"; [ "$body" = "$SPINDLE_TASK" ] || exit 9; [ "$SPINDLE_TASK_ID" != 2 ] || { echo "no good" >&2; exit 3; }`
	tl := &TaskLauncher{Client: c, Command: []string{"/bin/sh", "-c", script}, Stdout: &out, Stderr: &errs}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tl.Run(ctx); err != nil {
		t.Fatalf("Run = %v; stderr:\n%s", err, errs.String())
	}
	for _, want := range []string{"task 1: alpha", "task 2: beta gamma", "task 3: delta"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	cs := q.Counts()
	if cs.Done != 2 || cs.Failed != 1 || !cs.Finished {
		t.Errorf("counts = %+v, want 2 done and 1 failed", cs)
	}
	failed, _ := q.Task(2)
	if failed.State != workqueue.Failed || failed.Attempts != 2 || !strings.Contains(failed.LastError, "exited with code 3; stderr ends: no good") {
		t.Errorf("failed task = %+v", failed)
	}
	if !strings.Contains(errs.String(), "ran 4 tasks, exiting") {
		t.Errorf("launcher did not say why it exits:\n%s", errs.String())
	}
}

func TestTaskLauncherReturnsLeaseWhenStopped(t *testing.T) {
	q, err := workqueue.New(workqueue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	who := func(r *http.Request) (string, bool) { return r.Header.Get(container.HeaderExecutorID), false }
	ts := httptest.NewServer(workqueue.Handler(q, who, nil))
	defer ts.Close()
	if _, err := q.Enqueue(workqueue.NewTask{Body: []byte("slow")}); err != nil {
		t.Fatal(err)
	}
	c, err := container.Connect(container.Env{Role: container.RoleExecutor, AppID: "a", ExecutorID: "1", AMURL: ts.URL, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tl := &TaskLauncher{Client: c, Command: []string{"/bin/sh", "-c", "sleep 30"}, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	errc := make(chan error, 1)
	go func() { errc <- tl.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for q.Counts().Leased == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel() // the container is being stopped
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "stopped while running task") {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the launcher did not stop its task")
	}
	task, _ := q.Task(1)
	if task.State != workqueue.Queued || task.Failures != 0 {
		t.Errorf("task after the stop = %+v, want queued again without a counted failure", task)
	}
}
