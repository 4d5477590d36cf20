package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/am/workqueue"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// taskExecutors is the Tasks.Executor of the tests: executors "1" and "2"
// are live; stop closes an executor's stop channel.
type taskExecutors struct {
	mu    sync.Mutex
	stops map[string]chan struct{}
}

func (x *taskExecutors) lookup(id string) (<-chan struct{}, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	ch, ok := x.stops[id]
	return ch, ok
}

func (x *taskExecutors) stop(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	close(x.stops[id])
}

// newTasksEnv serves a queue and returns SDK clients: "driver" or an
// executor id (any id, live or not).
func newTasksEnv(t *testing.T) (*workqueue.Queue, *taskExecutors, func(who string) *container.Client) {
	t.Helper()
	q, err := workqueue.New(workqueue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	x := &taskExecutors{stops: map[string]chan struct{}{"1": make(chan struct{}), "2": make(chan struct{})}}
	events := []container.ScaleEvent{{Target: 2, Reason: "backlog"}}
	env := newTestEnv(t, WithTasks(Tasks{Queue: q, Executor: x.lookup, Events: func() []container.ScaleEvent { return events }}))
	return q, x, func(who string) *container.Client {
		e := container.Env{Role: container.RoleDriver, AppID: "application_1_0001", AMURL: env.ts.URL, Secret: testSecret}
		if who != "driver" {
			e.Role, e.ExecutorID, e.Secret = container.RoleExecutor, who, spec.ExecutorSecret(testSecret)
		}
		c, err := container.Connect(e)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

func TestTasksRoutesIdentity(t *testing.T) {
	_, _, client := newTasksEnv(t)
	ctx := context.Background()
	driver, exec1 := client("driver"), client("1")
	if _, err := exec1.Enqueue(ctx, "", []byte("x")); statusOf(err) != http.StatusForbidden {
		t.Errorf("executor enqueue: %v, want 403", err)
	}
	if _, err := driver.Enqueue(ctx, "k", []byte("work")); err != nil {
		t.Fatal(err)
	}
	if _, err := driver.Lease(ctx, time.Minute); statusOf(err) != http.StatusForbidden {
		t.Errorf("driver lease: %v, want 403 (the driver is no executor)", err)
	}
	if _, err := client("7").Lease(ctx, time.Minute); statusOf(err) != http.StatusForbidden || !strings.Contains(err.Error(), "no running executor") {
		t.Errorf("lease as an unknown executor: %v, want 403 naming the header", err)
	}
	l, err := exec1.Lease(ctx, time.Minute)
	if err != nil || string(l.Body) != "work" {
		t.Fatalf("executor lease = %+v, %v", l, err)
	}
	if err := client("2").Complete(ctx, l.TaskID, nil); statusOf(err) != http.StatusConflict {
		t.Errorf("another executor completing the lease: %v, want 409", err)
	}
	if err := exec1.Complete(ctx, l.TaskID, []byte("ok")); err != nil {
		t.Fatal(err)
	}
	ti, err := driver.Task(ctx, l.TaskID)
	if err != nil || ti.State != container.TaskDone || ti.Executor != "1" {
		t.Errorf("task = %+v, %v: want done by executor 1", ti, err)
	}
	evs, err := exec1.ScaleEvents(ctx)
	if err != nil || len(evs) != 1 || evs[0].Reason != "backlog" {
		t.Errorf("events = %+v, %v", evs, err)
	}
}

func TestTasksStopRequest(t *testing.T) {
	_, x, client := newTasksEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { // waits: the queue is empty
		_, err := client("1").Lease(ctx, time.Minute)
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	x.stop("1")
	select {
	case err := <-errc:
		if !errors.Is(err, container.ErrStopRequested) || !errors.Is(err, container.ErrNoMoreTasks) {
			t.Errorf("pending lease after the stop request: %v, want ErrStopRequested and ErrNoMoreTasks", err)
		}
	case <-ctx.Done():
		t.Fatal("a pending lease did not end on the stop request")
	}
	if _, err := client("1").Lease(ctx, time.Minute); !errors.Is(err, container.ErrStopRequested) {
		t.Errorf("lease after the stop request: %v, want ErrStopRequested", err)
	}
	// Executor 2 is not stopping: once the queue is finished it hears "no more tasks" only.
	if _, err := client("driver").Seal(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := client("2").Lease(ctx, time.Minute)
	if !errors.Is(err, container.ErrNoMoreTasks) || errors.Is(err, container.ErrStopRequested) {
		t.Errorf("lease of a finished queue: %v, want ErrNoMoreTasks only", err)
	}
}

// statusOf returns the HTTP status of an SDK error, or 0.
func statusOf(err error) int {
	var se *container.StatusError
	if errors.As(err, &se) {
		return se.StatusCode
	}
	return 0
}

func TestStatusPageShowsQueueAndActivity(t *testing.T) {
	e := newTestEnv(t)
	e.backend.mu.Lock()
	e.backend.app.DynamicAllocation = true
	e.backend.app.Tasks = container.QueueCounts{Queued: 5, Leased: 2, Done: 40, Failed: 1, Total: 48, Sealed: true}
	e.backend.execs = append(e.backend.execs,
		container.ExecutorInfo{ID: "4", State: container.ExecutorRunning, Activity: container.ActivityBusy, Leases: 1},
		container.ExecutorInfo{ID: "5", State: container.ExecutorRunning, Activity: container.ActivityIdle, IdleSince: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)},
		container.ExecutorInfo{ID: "6", State: container.ExecutorRunning, Activity: container.ActivityStopping})
	e.backend.mu.Unlock()
	status, body, _ := e.doAuth("GET", "/", nil, "")
	if status != http.StatusOK {
		t.Fatalf("GET /: %d %s", status, body)
	}
	for _, want := range []string{
		"Dynamic allocation</th><td>on",
		"5 queued, 2 leased, 40 done, 1 failed of 48 (sealed)",
		"<td>busy (1 tasks)</td>",
		"<td>idle since 2024-05-06 07:08:09 UTC</td>",
		"<td>stopping</td>",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("status page lacks %q", want)
		}
	}
}
