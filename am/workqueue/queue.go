package workqueue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"
)

// Queue is the task queue. Create it with New. Its methods are safe for
// concurrent use.
type Queue struct {
	opts  Options
	clock Clock

	mu      sync.Mutex
	tasks   []*task // tasks[id-1]
	byKey   map[string]*task
	fifo    []*task // queued tasks from head on, in lease order
	head    int
	execs   map[string]*executor
	lost    map[string]bool
	counts  map[State]int
	bytes   int64
	sealed  bool
	closed  bool
	changed chan struct{} // closed and replaced on every change
}

// task is a Task with what the queue keeps about it privately.
type task struct {
	Task
	body  []byte
	sum   [sha256.Size]byte // of the body, for tasks with a key
	gen   uint64            // bumped whenever a lease starts or ends
	timer Timer             // the lease's expiry
}

// New returns an empty queue with the given limits.
func New(opts Options) (*Queue, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Queue{
		opts:    o,
		clock:   o.Clock,
		byKey:   make(map[string]*task),
		execs:   make(map[string]*executor),
		lost:    make(map[string]bool),
		counts:  make(map[State]int),
		changed: make(chan struct{}),
	}, nil
}

// Options returns the queue's limits, defaults filled in.
func (q *Queue) Options() Options { return q.opts }

// notifyLocked wakes everyone waiting for a change.
func (q *Queue) notifyLocked() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// Enqueue adds tasks, all or none: if one is invalid or the queue has no
// room for all of them, nothing is enqueued. Tasks whose key matches an
// existing task (or an earlier one of the batch) are not added again; their
// Enqueued has Created false and the existing id.
func (q *Queue) Enqueue(tasks ...NewTask) ([]Enqueued, error) {
	for i, nt := range tasks {
		if len(nt.Body) > q.opts.MaxBodyBytes {
			return nil, fmt.Errorf("enqueuing task %d of %d: %w: body is %d bytes, the limit is %d", i+1, len(tasks), ErrBodyTooLarge, len(nt.Body), q.opts.MaxBodyBytes)
		}
		if err := validateKey(nt.Key); err != nil {
			return nil, fmt.Errorf("enqueuing task %d of %d: %w", i+1, len(tasks), err)
		}
		if nt.MaxAttempts < 0 {
			return nil, fmt.Errorf("enqueuing task %d of %d: %w: MaxAttempts %d is negative", i+1, len(tasks), ErrInvalid, nt.MaxAttempts)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return nil, fmt.Errorf("enqueuing tasks: %w", ErrClosed)
	case q.sealed:
		return nil, fmt.Errorf("enqueuing tasks: %w: the driver said no more tasks would come", ErrSealed)
	}
	fresh, newBytes, err := q.checkKeysLocked(tasks)
	if err != nil {
		return nil, err
	}
	if n := len(q.tasks) + fresh; n > q.opts.MaxTasks {
		return nil, fmt.Errorf("enqueuing %d tasks: %w: it would hold %d tasks, the limit is %d", len(tasks), ErrQueueFull, n, q.opts.MaxTasks)
	}
	if b := q.bytes + newBytes; b > q.opts.MaxBytes {
		return nil, fmt.Errorf("enqueuing %d tasks: %w: it would hold %d bytes, the limit is %d; wait for tasks to finish", len(tasks), ErrQueueFull, b, q.opts.MaxBytes)
	}
	out := make([]Enqueued, len(tasks))
	for i, nt := range tasks {
		out[i] = q.addLocked(nt)
	}
	q.notifyLocked()
	return out, nil
}

// checkKeysLocked checks that keys already in use (in the queue or earlier
// in the batch) come with the same body, and counts the tasks to create
// and their bytes.
func (q *Queue) checkKeysLocked(tasks []NewTask) (fresh int, newBytes int64, err error) {
	batch := make(map[string][sha256.Size]byte)
	for i, nt := range tasks {
		if nt.Key == "" {
			fresh++
			newBytes += int64(len(nt.Body))
			continue
		}
		sum := sha256.Sum256(nt.Body)
		prev, seen := batch[nt.Key]
		if t, ok := q.byKey[nt.Key]; ok {
			prev, seen = t.sum, true
		}
		if seen && !bytes.Equal(prev[:], sum[:]) {
			return 0, 0, fmt.Errorf("enqueuing task %d of %d: %w: key %q", i+1, len(tasks), ErrKeyConflict, nt.Key)
		}
		if !seen {
			batch[nt.Key] = sum
			fresh++
			newBytes += int64(len(nt.Body))
		}
	}
	return fresh, newBytes, nil
}

// addLocked adds one checked task, or finds the existing one with its key.
func (q *Queue) addLocked(nt NewTask) Enqueued {
	if t, ok := q.byKey[nt.Key]; ok && nt.Key != "" {
		return Enqueued{ID: t.ID, Key: t.Key}
	}
	now := q.clock.Now()
	t := &task{Task: Task{
		ID:          int64(len(q.tasks)) + 1,
		Key:         nt.Key,
		State:       Queued,
		MaxAttempts: q.opts.MaxAttempts,
		BodySize:    len(nt.Body),
		CreatedAt:   now,
		UpdatedAt:   now,
	}}
	if nt.MaxAttempts > 0 {
		t.MaxAttempts = nt.MaxAttempts
	}
	t.body = bytes.Clone(nt.Body)
	if nt.Key != "" {
		t.sum = sha256.Sum256(nt.Body)
		q.byKey[nt.Key] = t
	}
	q.tasks = append(q.tasks, t)
	q.counts[Queued]++
	q.bytes += int64(len(t.body))
	q.pushLocked(t)
	return Enqueued{ID: t.ID, Key: t.Key, Created: true}
}

// pushLocked appends a queued task to the FIFO.
func (q *Queue) pushLocked(t *task) {
	q.fifo = append(q.fifo, t)
}

// popLocked takes the next queued task off the FIFO, or returns nil.
func (q *Queue) popLocked() *task {
	if q.head == len(q.fifo) {
		return nil
	}
	t := q.fifo[q.head]
	q.fifo[q.head] = nil
	q.head++
	if q.head == len(q.fifo) {
		q.fifo, q.head = q.fifo[:0], 0
	} else if q.head > 1024 && q.head > len(q.fifo)/2 {
		q.fifo = append(q.fifo[:0], q.fifo[q.head:]...)
		q.head = 0
	}
	return t
}

// setStateLocked moves t to state s, keeping the counts.
func (q *Queue) setStateLocked(t *task, s State, now time.Time) {
	q.counts[t.State]--
	q.counts[s]++
	t.State = s
	t.UpdatedAt = now
}

// Task returns a snapshot of the task with the given id.
func (q *Queue) Task(id int64) (Task, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	t, err := q.taskLocked(id)
	if err != nil {
		return Task{}, err
	}
	return t.snapshot(), nil
}

// taskLocked finds a task by id.
func (q *Queue) taskLocked(id int64) (*task, error) {
	if id < 1 || id > int64(len(q.tasks)) {
		return nil, fmt.Errorf("%w: %d", ErrNoSuchTask, id)
	}
	return q.tasks[id-1], nil
}

// snapshot copies t's public state.
func (t *task) snapshot() Task {
	s := t.Task
	s.Result = bytes.Clone(t.Result)
	return s
}

// List returns up to limit tasks with ids greater than after, in id order,
// only those in state s unless s is empty, and the id to pass as after for
// the next page (0 when there is none).
func (q *Queue) List(s State, after int64, limit int) ([]Task, int64) {
	if limit <= 0 {
		return nil, 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Task
	for i := max(after, 0); i < int64(len(q.tasks)); i++ {
		t := q.tasks[i]
		if s != "" && t.State != s {
			continue
		}
		if len(out) == limit {
			return out, out[len(out)-1].ID
		}
		out = append(out, t.snapshot())
	}
	return out, 0
}

// Counts returns the numbers of tasks in each state.
func (q *Queue) Counts() Counts {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.countsLocked()
}

func (q *Queue) countsLocked() Counts {
	c := Counts{
		Queued: q.counts[Queued], Leased: q.counts[Leased],
		Done: q.counts[Done], Failed: q.counts[Failed],
		Total: len(q.tasks), Bytes: q.bytes, Sealed: q.sealed,
	}
	c.Finished = c.Sealed && c.Queued == 0 && c.Leased == 0
	return c
}

// Seal says that no more tasks will be enqueued: later Enqueues fail with
// ErrSealed. Sealing twice is not an error.
func (q *Queue) Seal() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.sealed {
		q.sealed = true
		q.notifyLocked()
	}
}

// Close ends every wait (Lease, WaitAll) with ErrClosed, stops lease
// expiry, and makes later calls that change the queue fail with ErrClosed.
// Snapshots (Task, List, Counts) keep working.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	for _, t := range q.tasks {
		if t.timer != nil {
			t.timer.Stop()
			t.timer = nil
		}
	}
	q.notifyLocked()
}

// WaitAll waits until the queue is sealed and every task is done or failed,
// and returns the final counts. It fails when ctx ends or the queue is
// closed, returning the counts at that moment with the error. A driver that
// never calls Seal waits until ctx ends.
func (q *Queue) WaitAll(ctx context.Context) (Counts, error) {
	for {
		q.mu.Lock()
		c, closed, ch := q.countsLocked(), q.closed, q.changed
		q.mu.Unlock()
		switch {
		case c.Finished:
			return c, nil
		case closed:
			return c, fmt.Errorf("waiting for all tasks: %w", ErrClosed)
		}
		select {
		case <-ctx.Done():
			return c, fmt.Errorf("waiting for all tasks (%d queued, %d leased, sealed %t): %w", c.Queued, c.Leased, c.Sealed, ctx.Err())
		case <-ch:
		}
	}
}
