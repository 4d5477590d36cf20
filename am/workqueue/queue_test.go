package workqueue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestQueue(t *testing.T, opts Options) (*Queue, *fakeClock) {
	t.Helper()
	c := newFakeClock()
	opts.Clock = c
	q, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	return q, c
}

func enqueue(t *testing.T, q *Queue, bodies ...string) []Enqueued {
	t.Helper()
	var nts []NewTask
	for _, b := range bodies {
		nts = append(nts, NewTask{Body: []byte(b)})
	}
	out, err := q.Enqueue(nts...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// leaseNow leases a task that must be available at once.
func leaseNow(t *testing.T, q *Queue, exec string, d time.Duration) Lease {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := q.Lease(ctx, exec, d)
	if err != nil {
		t.Fatalf("lease for %s: %v", exec, err)
	}
	return l
}

func wantCounts(t *testing.T, q *Queue, queued, leased, done, failed int) {
	t.Helper()
	c := q.Counts()
	if c.Queued != queued || c.Leased != leased || c.Done != done || c.Failed != failed {
		t.Fatalf("counts = %+v, want queued %d leased %d done %d failed %d", c, queued, leased, done, failed)
	}
}

func TestLeaseCompleteInOrder(t *testing.T) {
	q, _ := newTestQueue(t, Options{})
	ids := enqueue(t, q, "a", "b")
	if ids[0].ID != 1 || ids[1].ID != 2 || !ids[0].Created {
		t.Fatalf("enqueued = %+v, want ids 1 and 2, created", ids)
	}
	l := leaseNow(t, q, "e1", time.Minute)
	if l.TaskID != 1 || string(l.Body) != "a" || l.Attempt != 1 {
		t.Fatalf("first lease = %+v, want task 1 body a attempt 1", l)
	}
	wantCounts(t, q, 1, 1, 0, 0)
	if err := q.Complete(1, "e2", nil); !errors.Is(err, ErrNotLeased) {
		t.Fatalf("complete by another executor: %v, want ErrNotLeased", err)
	}
	if err := q.Complete(1, "e1", []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if err := q.Complete(1, "e1", []byte("again")); !errors.Is(err, ErrNotLeased) {
		t.Fatalf("second complete: %v, want ErrNotLeased", err)
	}
	task, err := q.Task(1)
	if err != nil {
		t.Fatal(err)
	}
	if task.State != Done || string(task.Result) != "ok" || task.FinishedAt.IsZero() || task.Executor != "e1" {
		t.Fatalf("task 1 = %+v, want done with result ok by e1", task)
	}
	wantCounts(t, q, 1, 0, 1, 0)
	if _, err := q.Task(3); !errors.Is(err, ErrNoSuchTask) {
		t.Fatalf("Task(3): %v, want ErrNoSuchTask", err)
	}
}

func TestLeaseExpiry(t *testing.T) {
	q, clock := newTestQueue(t, Options{})
	enqueue(t, q, "work")
	l := leaseNow(t, q, "e1", 10*time.Second)
	clock.Advance(9 * time.Second)
	wantCounts(t, q, 0, 1, 0, 0)
	exp, err := q.Renew(l.TaskID, "e1", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(10 * time.Second); !exp.Equal(want) {
		t.Fatalf("renewed expiry = %v, want %v", exp, want)
	}
	clock.Advance(9 * time.Second) // 18s after the lease: alive thanks to the renewal
	wantCounts(t, q, 0, 1, 0, 0)
	clock.Advance(time.Second)
	wantCounts(t, q, 1, 0, 0, 0)
	task, _ := q.Task(l.TaskID)
	if task.Failures != 1 || task.Attempts != 1 || !strings.Contains(task.LastError, "expired") || task.Executor != "e1" {
		t.Fatalf("after expiry task = %+v, want 1 counted failure mentioning expiry", task)
	}
	if a, _ := q.Executor("e1"); a.Busy() || !a.IdleSince.Equal(clock.Now()) {
		t.Fatalf("e1 after expiry = %+v, want idle since now", a)
	}
	if err := q.Complete(l.TaskID, "e1", nil); !errors.Is(err, ErrNotLeased) {
		t.Fatalf("complete after expiry: %v, want ErrNotLeased", err)
	}
	l2 := leaseNow(t, q, "e2", 10*time.Second)
	if l2.TaskID != l.TaskID || l2.Attempt != 2 || string(l2.Body) != "work" {
		t.Fatalf("re-lease = %+v, want task %d attempt 2", l2, l.TaskID)
	}
	if err := q.Complete(l2.TaskID, "e2", nil); err != nil {
		t.Fatal(err)
	}
	if n := clock.pending(); n != 0 {
		t.Fatalf("%d expiry timers still pending after completion", n)
	}
}

func TestRenewAfterDeadlineBeforeTimerFires(t *testing.T) {
	q, clock := newTestQueue(t, Options{})
	enqueue(t, q, "x")
	l := leaseNow(t, q, "e1", 10*time.Second)
	clock.mu.Lock() // move time without running timers, as a late timer would
	clock.now = clock.now.Add(10 * time.Second)
	clock.mu.Unlock()
	if _, err := q.Renew(l.TaskID, "e1", time.Minute); !errors.Is(err, ErrNotLeased) {
		t.Fatalf("renew at the deadline: %v, want ErrNotLeased", err)
	}
	wantCounts(t, q, 1, 0, 0, 0)
	clock.Advance(0) // the stale timer must not expire anything again
	if task, _ := q.Task(l.TaskID); task.Failures != 1 {
		t.Fatalf("failures = %d, want 1", task.Failures)
	}
}

func TestExecutorLost(t *testing.T) {
	q, _ := newTestQueue(t, Options{})
	enqueue(t, q, "a", "b", "c")
	la := leaseNow(t, q, "e1", time.Minute)
	lb := leaseNow(t, q, "e1", time.Minute)
	leaseNow(t, q, "e2", time.Minute)
	ended := q.ExecutorLost("e1", false)
	if len(ended) != 2 || ended[0] != la.TaskID || ended[1] != lb.TaskID {
		t.Fatalf("ExecutorLost ended %v, want [%d %d]", ended, la.TaskID, lb.TaskID)
	}
	wantCounts(t, q, 2, 1, 0, 0)
	if task, _ := q.Task(la.TaskID); task.Failures != 0 || !strings.Contains(task.LastError, "lost") {
		t.Fatalf("task after loss = %+v, want no counted failure", task)
	}
	if _, err := q.Lease(context.Background(), "e1", time.Minute); !errors.Is(err, ErrExecutorLost) {
		t.Fatalf("lease by lost executor: %v, want ErrExecutorLost", err)
	}
	if _, ok := q.Executor("e1"); ok {
		t.Fatal("lost executor e1 still listed")
	}
	re := leaseNow(t, q, "e3", time.Minute)
	if re.TaskID != la.TaskID || re.Attempt != 2 {
		t.Fatalf("re-lease after loss = %+v, want task %d attempt 2", re, la.TaskID)
	}
	q.ExecutorLost("e3", true)
	if task, _ := q.Task(la.TaskID); task.Failures != 1 || !strings.Contains(task.LastError, "failed") {
		t.Fatalf("task after executor failure = %+v, want 1 counted failure", task)
	}
}

func TestExecutorLostWakesItsWaitingLease(t *testing.T) {
	q, _ := newTestQueue(t, Options{})
	errc := make(chan error, 1)
	go func() {
		_, err := q.Lease(context.Background(), "e1", time.Minute)
		errc <- err
	}()
	waitUntil(t, func() bool { _, ok := q.Executor("e1"); return ok })
	q.ExecutorLost("e1", false)
	if err := <-errc; !errors.Is(err, ErrExecutorLost) {
		t.Fatalf("waiting lease of a lost executor: %v, want ErrExecutorLost", err)
	}
}

func TestAttemptLimit(t *testing.T) {
	q, clock := newTestQueue(t, Options{MaxAttempts: 3})
	if _, err := q.Enqueue(NewTask{Body: []byte("bad")}, NewTask{Body: []byte("once"), MaxAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	l := leaseNow(t, q, "e1", time.Minute)
	if err := q.Fail(l.TaskID, "e1", "exit 1"); err != nil {
		t.Fatal(err)
	}
	// task 2 fails for good at its first failure
	l2 := leaseNow(t, q, "e1", time.Minute)
	if err := q.Fail(l2.TaskID, "e1", "exit 2"); err != nil {
		t.Fatal(err)
	}
	if task, _ := q.Task(2); task.State != Failed || task.MaxAttempts != 1 {
		t.Fatalf("task 2 = %+v, want failed after its one attempt", task)
	}
	l = leaseNow(t, q, "e2", time.Minute) // attempt 2 expires: counts
	clock.Advance(time.Minute)
	l = leaseNow(t, q, "e1", time.Minute)
	if err := q.Return(l.TaskID, "e1"); err != nil { // does not count
		t.Fatal(err)
	}
	l = leaseNow(t, q, "e1", time.Minute)
	if l.Attempt != 4 {
		t.Fatalf("attempt = %d, want 4", l.Attempt)
	}
	if err := q.Fail(l.TaskID, "e1", "exit 3"); err != nil {
		t.Fatal(err)
	}
	task, _ := q.Task(1)
	if task.State != Failed || task.Failures != 3 || task.Attempts != 4 || task.LastError != "exit 3" || task.FinishedAt.IsZero() {
		t.Fatalf("task 1 = %+v, want failed after 3 counted failures of 4 attempts, last error exit 3", task)
	}
	wantCounts(t, q, 0, 0, 0, 2)
	if c := q.Counts(); c.Bytes != int64(len("exit 3")+len("exit 2")) {
		t.Fatalf("bytes = %d, want only the error texts", c.Bytes)
	}
}

func TestFailReasonTruncated(t *testing.T) {
	q, _ := newTestQueue(t, Options{MaxErrorBytes: 10})
	enqueue(t, q, "x")
	l := leaseNow(t, q, "e1", time.Minute)
	if err := q.Fail(l.TaskID, "e1", strings.Repeat("é", 20)); err != nil {
		t.Fatal(err)
	}
	task, _ := q.Task(l.TaskID)
	if task.LastError != strings.Repeat("é", 5)+"..." {
		t.Fatalf("truncated reason = %q", task.LastError)
	}
}

func TestIdempotentKeys(t *testing.T) {
	q, _ := newTestQueue(t, Options{})
	first, err := q.Enqueue(NewTask{Key: "k1", Body: []byte("a")}, NewTask{Key: "k1", Body: []byte("a")}, NewTask{Body: []byte("b")})
	if err != nil {
		t.Fatal(err)
	}
	if first[0].ID != 1 || !first[0].Created || first[1].ID != 1 || first[1].Created || first[2].ID != 2 {
		t.Fatalf("batch with a repeated key = %+v, want ids 1, 1 (not created), 2", first)
	}
	again, err := q.Enqueue(NewTask{Key: "k1", Body: []byte("a")})
	if err != nil || again[0].ID != 1 || again[0].Created {
		t.Fatalf("re-enqueue = %+v, %v, want id 1 not created", again, err)
	}
	if _, err := q.Enqueue(NewTask{Key: "k1", Body: []byte("other")}); !errors.Is(err, ErrKeyConflict) {
		t.Fatalf("same key, other body: %v, want ErrKeyConflict", err)
	}
	if _, err := q.Enqueue(NewTask{Key: "k2", Body: []byte("a")}, NewTask{Key: "k2", Body: []byte("b")}); !errors.Is(err, ErrKeyConflict) {
		t.Fatalf("same key twice in a batch with other bodies: %v, want ErrKeyConflict", err)
	}
	// the key still works once the task is done (and its body dropped)
	l := leaseNow(t, q, "e1", time.Minute)
	if err := q.Complete(l.TaskID, "e1", nil); err != nil {
		t.Fatal(err)
	}
	if again, err := q.Enqueue(NewTask{Key: "k1", Body: []byte("a")}); err != nil || again[0].ID != 1 || again[0].Created {
		t.Fatalf("re-enqueue of a done task = %+v, %v", again, err)
	}
	if c := q.Counts(); c.Total != 2 {
		t.Fatalf("total = %d, want 2", c.Total)
	}
	if _, err := q.Enqueue(NewTask{Key: "bad\nkey"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("key with a newline: %v, want ErrInvalid", err)
	}
}

func TestMemoryBounds(t *testing.T) {
	q, _ := newTestQueue(t, Options{MaxBodyBytes: 10, MaxTasks: 4, MaxBytes: 25, MaxResultBytes: 3})
	if _, err := q.Enqueue(NewTask{Body: make([]byte, 11)}); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("11-byte body: %v, want ErrBodyTooLarge", err)
	}
	enqueue(t, q, "0123456789", "0123456789")
	// 20 of 25 bytes used: a batch that does not fit is refused whole
	if _, err := q.Enqueue(NewTask{Body: []byte("12")}, NewTask{Body: []byte("3456")}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("batch beyond the byte limit: %v, want ErrQueueFull", err)
	}
	if c := q.Counts(); c.Total != 2 || c.Bytes != 20 {
		t.Fatalf("after a refused batch: %+v, want 2 tasks of 20 bytes", c)
	}
	l := leaseNow(t, q, "e1", time.Minute)
	if err := q.Complete(l.TaskID, "e1", []byte("toolong")); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("oversized result: %v, want ErrBodyTooLarge", err)
	}
	if err := q.Complete(l.TaskID, "e1", []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if c := q.Counts(); c.Bytes != 12 {
		t.Fatalf("bytes after completion = %d, want 12 (one body and a result)", c.Bytes)
	}
	enqueue(t, q, "12", "3456") // fits now: 18 bytes, 4 tasks
	// a full queue still answers a repeated key: it adds nothing
	q2, _ := newTestQueue(t, Options{MaxTasks: 1, MaxBytes: 4})
	if _, err := q2.Enqueue(NewTask{Key: "k", Body: []byte("1234")}); err != nil {
		t.Fatal(err)
	}
	if again, err := q2.Enqueue(NewTask{Key: "k", Body: []byte("1234")}); err != nil || again[0].Created {
		t.Fatalf("repeated key on a full queue = %+v, %v; want the existing task", again, err)
	}
	if _, err := q.Enqueue(NewTask{}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("fifth task: %v, want ErrQueueFull", err)
	}
}

func TestSealAndWaitAll(t *testing.T) {
	q, _ := newTestQueue(t, Options{MaxAttempts: 1})
	enqueue(t, q, "a", "b")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := q.WaitAll(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitAll with work left: %v, want deadline exceeded", err)
	}
	done := make(chan Counts, 1)
	go func() {
		c, err := q.WaitAll(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- c
	}()
	la := leaseNow(t, q, "e1", time.Minute)
	lb := leaseNow(t, q, "e1", time.Minute)
	if err := q.Complete(la.TaskID, "e1", nil); err != nil {
		t.Fatal(err)
	}
	if err := q.Fail(lb.TaskID, "e1", "boom"); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-done:
		t.Fatalf("WaitAll returned %+v before Seal", c)
	case <-time.After(20 * time.Millisecond):
	}
	q.Seal()
	c := <-done
	if !c.Finished || c.Done != 1 || c.Failed != 1 {
		t.Fatalf("WaitAll = %+v, want finished with 1 done 1 failed", c)
	}
	if _, err := q.Enqueue(NewTask{}); !errors.Is(err, ErrSealed) {
		t.Fatalf("enqueue after seal: %v, want ErrSealed", err)
	}
	if _, err := q.Lease(context.Background(), "e2", time.Minute); !errors.Is(err, ErrNoMoreTasks) {
		t.Fatalf("lease after all finished: %v, want ErrNoMoreTasks", err)
	}
}

func TestLeaseWaitsForWork(t *testing.T) {
	q, _ := newTestQueue(t, Options{})
	got := make(chan Lease, 1)
	go func() {
		l, err := q.Lease(context.Background(), "e1", time.Minute)
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	waitUntil(t, func() bool { _, ok := q.Executor("e1"); return ok })
	if a, _ := q.Executor("e1"); a.Busy() {
		t.Fatal("an executor waiting for work is busy")
	}
	enqueue(t, q, "late")
	if l := <-got; string(l.Body) != "late" {
		t.Fatalf("lease = %+v, want the late task", l)
	}
	if a, _ := q.Executor("e1"); !a.Busy() || !a.IdleSince.IsZero() {
		t.Fatalf("executor holding a lease = %+v, want busy", a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := q.Lease(ctx, "e2", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("lease on an empty queue: %v, want deadline exceeded", err)
	}
}

func TestWaitingLeaseEndsWhenQueueFinishes(t *testing.T) {
	q, _ := newTestQueue(t, Options{})
	enqueue(t, q, "only")
	q.Seal()
	l := leaseNow(t, q, "e1", time.Minute)
	errc := make(chan error, 1)
	go func() {
		_, err := q.Lease(context.Background(), "e2", time.Minute)
		errc <- err
	}()
	waitUntil(t, func() bool { _, ok := q.Executor("e2"); return ok })
	if err := q.Complete(l.TaskID, "e1", nil); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrNoMoreTasks) {
		t.Fatalf("waiting lease: %v, want ErrNoMoreTasks", err)
	}
}

func TestCloseEndsWaits(t *testing.T) {
	q, _ := newTestQueue(t, Options{})
	errc := make(chan error, 2)
	go func() { _, err := q.Lease(context.Background(), "e1", time.Minute); errc <- err }()
	go func() { _, err := q.WaitAll(context.Background()); errc <- err }()
	waitUntil(t, func() bool { _, ok := q.Executor("e1"); return ok })
	q.Close()
	for range 2 {
		if err := <-errc; !errors.Is(err, ErrClosed) {
			t.Fatalf("wait after Close: %v, want ErrClosed", err)
		}
	}
	if _, err := q.Enqueue(NewTask{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("enqueue after Close: %v, want ErrClosed", err)
	}
}

func TestListPaging(t *testing.T) {
	q, _ := newTestQueue(t, Options{})
	enqueue(t, q, "1", "2", "3", "4", "5")
	leaseNow(t, q, "e1", time.Minute) // task 1 leased
	page, next := q.List("", 0, 2)
	if len(page) != 2 || page[0].ID != 1 || page[1].ID != 2 || next != 2 {
		t.Fatalf("page 1 = %v next %d", ids(page), next)
	}
	page, next = q.List("", next, 2)
	if len(page) != 2 || page[0].ID != 3 || next != 4 {
		t.Fatalf("page 2 = %v next %d", ids(page), next)
	}
	page, next = q.List("", next, 2)
	if len(page) != 1 || page[0].ID != 5 || next != 0 {
		t.Fatalf("page 3 = %v next %d", ids(page), next)
	}
	page, next = q.List(Queued, 0, 10)
	if len(page) != 4 || page[0].ID != 2 || next != 0 {
		t.Fatalf("queued = %v next %d", ids(page), next)
	}
	if page, _ = q.List(Leased, 1, 10); len(page) != 0 {
		t.Fatalf("leased after 1 = %v, want none", ids(page))
	}
}

func ids(ts []Task) []int64 {
	var out []int64
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func TestConcurrentExactlyOnce(t *testing.T) {
	q, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	const n = 500
	var nts []NewTask
	for i := range n {
		nts = append(nts, NewTask{Body: []byte(fmt.Sprint(i))})
	}
	if _, err := q.Enqueue(nts...); err != nil {
		t.Fatal(err)
	}
	q.Seal()
	var mu sync.Mutex
	seen := make(map[int64]int)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			exec := fmt.Sprint("e", w)
			for {
				l, err := q.Lease(context.Background(), exec, time.Minute)
				if errors.Is(err, ErrNoMoreTasks) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				if err := q.Complete(l.TaskID, exec, l.Body); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[l.TaskID]++
				mu.Unlock()
			}
		}()
	}
	c, err := q.WaitAll(context.Background())
	wg.Wait()
	if err != nil || c.Done != n {
		t.Fatalf("WaitAll = %+v, %v; want %d done", c, err, n)
	}
	for id := int64(1); id <= n; id++ {
		if seen[id] != 1 {
			t.Fatalf("task %d completed %d times", id, seen[id])
		}
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
