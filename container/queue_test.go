package container_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/am/workqueue"
	"github.com/spindle-yarn/spindle/container"
)

// queueIdentity maps the test credentials to callers: "driver-secret" is
// the driver, "exec-N" executor N.
func queueIdentity(r *http.Request) (string, bool) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "driver-secret" {
		return "", true
	}
	if id, ok := strings.CutPrefix(tok, "exec-"); ok {
		return id, false
	}
	return "", false
}

// newQueueTest serves a queue with opts and returns it and a client
// factory: "driver" or an executor id.
func newQueueTest(t *testing.T, opts workqueue.Options) (*workqueue.Queue, func(who string) *container.Client) {
	t.Helper()
	q, err := workqueue.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(workqueue.Handler(q, queueIdentity, nil))
	t.Cleanup(func() {
		q.Close()
		ts.Close()
	})
	return q, func(who string) *container.Client {
		secret := "exec-" + who
		if who == "driver" {
			secret = "driver-secret"
		}
		c, err := container.Connect(container.Env{AMURL: ts.URL, Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

func TestQueueSDKJob(t *testing.T) {
	_, client := newQueueTest(t, workqueue.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	driver := client("driver")
	const n = 40
	var batch []container.TaskInput
	for i := range n {
		batch = append(batch, container.TaskInput{Key: fmt.Sprint("t", i), Base64: []byte{byte(i), 0xff}})
	}
	ids, err := driver.EnqueueBatch(ctx, batch)
	if err != nil || len(ids) != n || ids[0].ID != 1 || !ids[n-1].Created {
		t.Fatalf("EnqueueBatch = %v, %v", ids, err)
	}
	again, err := driver.Enqueue(ctx, "t0", []byte{0, 0xff})
	if err != nil || again.ID != 1 || again.Created {
		t.Fatalf("idempotent Enqueue = %+v, %v; want task 1 not created", again, err)
	}
	var mu sync.Mutex
	completed := map[int64]int{}
	var wg sync.WaitGroup
	for e := 1; e <= 3; e++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client(fmt.Sprint(e))
			for {
				l, err := c.Lease(ctx, 10*time.Second)
				if errors.Is(err, container.ErrNoMoreTasks) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := c.Renew(ctx, l.TaskID, 0); err != nil {
					t.Error(err)
				}
				if err := c.Complete(ctx, l.TaskID, []byte{l.Body[0] * 2}); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				completed[l.TaskID]++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := driver.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	counts, err := driver.WaitAll(ctx)
	if err != nil || !counts.Finished || counts.Done != n || counts.Failed != 0 {
		t.Fatalf("WaitAll = %+v, %v; want %d done", counts, err, n)
	}
	wg.Wait()
	for id := int64(1); id <= n; id++ {
		if completed[id] != 1 {
			t.Fatalf("task %d completed %d times", id, completed[id])
		}
	}
	ti, err := driver.Task(ctx, 5)
	if err != nil || ti.State != container.TaskDone || len(ti.Result) != 1 || ti.Result[0] != 8 {
		t.Fatalf("Task(5) = %+v, %v; want done with result [8]", ti, err)
	}
	list, err := driver.Tasks(ctx, container.TaskDone, 38)
	if err != nil || len(list.Tasks) != 2 || list.Tasks[0].ID != 39 {
		t.Fatalf("Tasks(done, after 38) = %+v, %v", list, err)
	}
}

func TestQueueSDKFailRetryAndLoss(t *testing.T) {
	q, client := newQueueTest(t, workqueue.Options{MaxAttempts: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	driver, e1, e2 := client("driver"), client("1"), client("2")
	if _, err := driver.Enqueue(ctx, "", []byte("flaky")); err != nil {
		t.Fatal(err)
	}
	l, err := e1.Lease(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e1.Return(ctx, l.TaskID); err != nil { // not counted
		t.Fatal(err)
	}
	if l, err = e1.Lease(ctx, 0); err != nil {
		t.Fatal(err)
	}
	q.ExecutorLost("1", false) // e.g. preempted mid-task: not counted either
	if err := e1.Complete(ctx, l.TaskID, nil); !isStatus(err, http.StatusConflict) {
		t.Fatalf("Complete by a lost executor: %v, want 409", err)
	}
	if l, err = e2.Lease(ctx, 0); err != nil || l.Attempt != 3 {
		t.Fatalf("re-lease after loss = %+v, %v; want attempt 3", l, err)
	}
	if err := e2.Fail(ctx, l.TaskID, "exit status 1"); err != nil {
		t.Fatal(err)
	}
	if l, err = e2.Lease(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := e2.Fail(ctx, l.TaskID, "exit status 2"); err != nil {
		t.Fatal(err)
	}
	ti, err := driver.Task(ctx, l.TaskID)
	if err != nil || ti.State != container.TaskFailed || ti.Failures != 2 || ti.Attempts != 4 || ti.LastError != "exit status 2" {
		t.Fatalf("task = %+v, %v; want failed after 2 counted of 4 attempts", ti, err)
	}
	qc, err := driver.QueueCounts(ctx)
	if err != nil || qc.Failed != 1 || qc.Total != 1 {
		t.Fatalf("QueueCounts = %+v, %v", qc, err)
	}
}

func TestQueueSDKLimitsAndWaits(t *testing.T) {
	_, client := newQueueTest(t, workqueue.Options{MaxBodyBytes: 8, MaxTasks: 1})
	ctx := context.Background()
	driver, e1 := client("driver"), client("1")
	if _, err := driver.Enqueue(ctx, "", make([]byte, 9)); !isStatus(err, http.StatusRequestEntityTooLarge) {
		t.Fatalf("oversized body: %v, want 413", err)
	}
	if _, err := e1.Enqueue(ctx, "", nil); !isStatus(err, http.StatusForbidden) {
		t.Fatalf("executor enqueuing: %v, want 403", err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := e1.Lease(short, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lease on an empty queue: %v, want deadline exceeded", err)
	}
	got := make(chan container.TaskLease, 1)
	go func() {
		l, err := e1.Lease(ctx, 0)
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	time.Sleep(50 * time.Millisecond)
	if _, err := driver.Enqueue(ctx, "", []byte("late")); err != nil {
		t.Fatal(err)
	}
	if l := <-got; string(l.Body) != "late" {
		t.Fatalf("long-polled lease = %+v", l)
	}
	if _, err := driver.Enqueue(ctx, "", nil); !isStatus(err, http.StatusTooManyRequests) {
		t.Fatalf("second task beyond MaxTasks 1: %v, want 429", err)
	}
	short2, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if _, err := driver.WaitAll(short2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitAll before Seal: %v, want deadline exceeded", err)
	}
}

func isStatus(err error, code int) bool {
	var se *container.StatusError
	return errors.As(err, &se) && se.StatusCode == code
}
