package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Task states reported in TaskInfo.State.
const (
	// TaskQueued means the task waits for an executor.
	TaskQueued = "queued"
	// TaskLeased means an executor holds a lease on the task.
	TaskLeased = "leased"
	// TaskDone means the task completed.
	TaskDone = "done"
	// TaskFailed means the task failed as often as it may.
	TaskFailed = "failed"
)

// Limits of the AM's task queue that clients need to know.
const (
	// MaxQueueWait is the longest one long-poll of the queue lasts (lease
	// and wait); the SDK strings several together.
	MaxQueueWait = 60 * time.Second
	// DefaultLeaseTime is the lease time the SDK asks for when given 0.
	DefaultLeaseTime = 60 * time.Second
)

// ErrNoMoreTasks is returned, wrapped, by Client.Lease once the queue is
// sealed and every task is finished, and when the ApplicationMaster asks the
// executor to stop (then together with ErrStopRequested): either way the
// executor has no more work and should exit 0.
var ErrNoMoreTasks = errors.New("no more tasks")

// ErrStopRequested is returned, wrapped together with ErrNoMoreTasks, by
// Client.Lease when the ApplicationMaster releases this executor (dynamic
// allocation gives idle executors back to the cluster). The executor should
// finish or Return any lease it still holds and exit 0; its end is not
// counted as a failure.
var ErrStopRequested = errors.New("the ApplicationMaster asked this executor to stop")

// HeaderExecutorID carries the executor's id (SPINDLE_EXECUTOR_ID) on every
// request of a Client created for an executor. The ApplicationMaster trusts
// it only together with the executors' secret; it names who holds a lease.
const HeaderExecutorID = "Spindle-Executor-Id"

// HeaderStop is set, to StopValue, on the 410 answer to POST /api/v1/leases
// that asks the executor to stop, telling it apart from the 410 that says
// the queue is finished.
const HeaderStop = "Spindle-Stop"

// StopValue is the value of HeaderStop.
const StopValue = "requested"

// TaskInput is one task of POST /api/v1/tasks with a JSON batch. Give the
// body as text in Body or as bytes in Base64, not both.
type TaskInput struct {
	// Key, if set, makes enqueuing idempotent: a task with the same key is
	// not enqueued twice.
	Key string `json:"key,omitempty"`
	// Body is the task's body as text.
	Body string `json:"body,omitempty"`
	// Base64 is the task's body as bytes (base64 in the JSON).
	Base64 []byte `json:"base64,omitempty"`
	// MaxAttempts, if positive, overrides the queue's attempt limit.
	MaxAttempts int `json:"maxAttempts,omitempty"`
}

// EnqueueRequest is the JSON batch form of POST /api/v1/tasks.
type EnqueueRequest struct {
	// Tasks are enqueued all or none.
	Tasks []TaskInput `json:"tasks"`
}

// EnqueuedTask is the outcome of enqueuing one task.
type EnqueuedTask struct {
	// ID is the task's id: 1, 2, ... in the order of enqueuing.
	ID int64 `json:"id"`
	// Key is the task's key, if any.
	Key string `json:"key,omitempty"`
	// Created is false when the key matched an existing task.
	Created bool `json:"created"`
}

// EnqueueResponse is the answer to POST /api/v1/tasks.
type EnqueueResponse struct {
	// Tasks has one entry per task of the request, in order.
	Tasks []EnqueuedTask `json:"tasks"`
}

// TaskInfo describes a task: the answer to GET /api/v1/tasks/{id}.
type TaskInfo struct {
	ID          int64     `json:"id"`
	Key         string    `json:"key,omitempty"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	Failures    int       `json:"failures"`
	MaxAttempts int       `json:"maxAttempts"`
	LastError   string    `json:"lastError,omitempty"`
	Result      []byte    `json:"result,omitempty"`
	Executor    string    `json:"executor,omitempty"`
	BodySize    int       `json:"bodySize"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// LeaseExpires is set while the task is leased.
	LeaseExpires time.Time `json:"leaseExpires,omitzero"`
	// FinishedAt is set once the task is done or failed.
	FinishedAt time.Time `json:"finishedAt,omitzero"`
}

// TaskList is the answer to GET /api/v1/tasks.
type TaskList struct {
	// Tasks are in id order.
	Tasks []TaskInfo `json:"tasks"`
	// Next, if not 0, is the after= of the next page.
	Next int64 `json:"next,omitempty"`
}

// QueueCounts summarizes the queue: the answer to GET /api/v1/queue, POST
// /api/v1/queue/seal and GET /api/v1/queue/wait.
type QueueCounts struct {
	Queued int `json:"queued"`
	Leased int `json:"leased"`
	Done   int `json:"done"`
	Failed int `json:"failed"`
	// Total is the number of tasks ever enqueued.
	Total int `json:"total"`
	// Bytes is the memory the queue holds for bodies, results and errors.
	Bytes int64 `json:"bytes"`
	// Sealed is set once the driver said no more tasks will come.
	Sealed bool `json:"sealed"`
	// Finished is set once the queue is sealed and every task is done or
	// failed.
	Finished bool `json:"finished"`
}

// TaskLease is a leased task: the answer to POST /api/v1/leases.
type TaskLease struct {
	TaskID int64  `json:"taskId"`
	Key    string `json:"key,omitempty"`
	// Body is the task's body (base64 in the JSON).
	Body []byte `json:"body"`
	// Attempt is the number of this attempt, from 1.
	Attempt int `json:"attempt"`
	// LeaseExpires is when the lease ends unless renewed.
	LeaseExpires time.Time `json:"leaseExpires"`
}

// LeaseRenewal is the answer to POST /api/v1/leases/{task}/renew.
type LeaseRenewal struct {
	LeaseExpires time.Time `json:"leaseExpires"`
}

// Enqueue adds one task with body to the ApplicationMaster's queue. A
// non-empty key makes it idempotent: enqueuing the same key again returns
// the existing task.
func (c *Client) Enqueue(ctx context.Context, key string, body []byte) (EnqueuedTask, error) {
	q := url.Values{}
	if key != "" {
		q.Set("key", key)
	}
	if body == nil {
		body = []byte{}
	}
	b, err := c.do(ctx, http.MethodPost, "/api/v1/tasks", q, body, "application/octet-stream", c.timeout, sdkMaxJSONResponse)
	var resp EnqueueResponse
	if err == nil {
		err = decodeJSONResponse(b, &resp)
	}
	if err == nil && len(resp.Tasks) != 1 {
		err = fmt.Errorf("answer lists %d tasks, want 1", len(resp.Tasks))
	}
	if err != nil {
		return EnqueuedTask{}, fmt.Errorf("spindle: enqueuing a task: %w", err)
	}
	return resp.Tasks[0], nil
}

// EnqueueBatch adds tasks to the queue, all or none, and returns their ids
// in order.
func (c *Client) EnqueueBatch(ctx context.Context, tasks []TaskInput) ([]EnqueuedTask, error) {
	req, err := json.Marshal(EnqueueRequest{Tasks: tasks})
	if err != nil {
		return nil, fmt.Errorf("spindle: enqueuing %d tasks: encoding: %w", len(tasks), err)
	}
	b, err := c.do(ctx, http.MethodPost, "/api/v1/tasks", nil, req, "application/json", c.timeout, sdkMaxJSONResponse)
	var resp EnqueueResponse
	if err == nil {
		err = decodeJSONResponse(b, &resp)
	}
	if err == nil && len(resp.Tasks) != len(tasks) {
		err = fmt.Errorf("answer lists %d tasks, want %d", len(resp.Tasks), len(tasks))
	}
	if err != nil {
		return nil, fmt.Errorf("spindle: enqueuing %d tasks: %w", len(tasks), err)
	}
	return resp.Tasks, nil
}

// Lease waits until the queue hands this executor a task, for as long as
// ctx allows, and returns it leased for leaseTime (DefaultLeaseTime if 0).
// Renew the lease before it expires, then Complete, Fail or Return the
// task. Once the queue is sealed and every task is finished, Lease fails
// with an error wrapping ErrNoMoreTasks; when the ApplicationMaster asks the
// executor to stop, with one wrapping ErrStopRequested and ErrNoMoreTasks.
// The executor's id (Env.ExecutorID) names the lease holder.
func (c *Client) Lease(ctx context.Context, leaseTime time.Duration) (TaskLease, error) {
	if leaseTime == 0 {
		leaseTime = DefaultLeaseTime
	}
	for {
		wait := MaxQueueWait
		if deadline, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(deadline))
		}
		if err := ctx.Err(); err != nil {
			return TaskLease{}, fmt.Errorf("spindle: waiting for a task: %w", err)
		}
		if wait <= 0 {
			return TaskLease{}, fmt.Errorf("spindle: waiting for a task: %w", context.DeadlineExceeded)
		}
		start := time.Now()
		l, ok, err := c.leaseOnce(ctx, wait, leaseTime)
		switch {
		case ok:
			return l, nil
		case err != nil:
			return TaskLease{}, fmt.Errorf("spindle: waiting for a task: %w", err)
		}
		if err := c.pause(ctx, start, wait); err != nil {
			return TaskLease{}, fmt.Errorf("spindle: waiting for a task: %w", err)
		}
	}
}

// leaseOnce makes one lease request waiting up to wait; ok is false when
// none came.
func (c *Client) leaseOnce(ctx context.Context, wait, leaseTime time.Duration) (TaskLease, bool, error) {
	q := url.Values{"wait": {wait.String()}, "lease": {leaseTime.String()}}
	b, err := c.do(ctx, http.MethodPost, "/api/v1/leases", q, nil, "", c.timeout+wait, sdkMaxJSONResponse)
	if se := (*StatusError)(nil); errors.As(err, &se) && se.fromAPI && se.StatusCode == http.StatusGone {
		if se.stop {
			return TaskLease{}, false, fmt.Errorf("%w (%w): %s", ErrStopRequested, ErrNoMoreTasks, se.Message)
		}
		return TaskLease{}, false, fmt.Errorf("%w: %s", ErrNoMoreTasks, se.Message)
	}
	if err != nil || len(b) == 0 { // 204: none yet
		return TaskLease{}, false, err
	}
	var l TaskLease
	if err := decodeJSONResponse(b, &l); err != nil {
		return TaskLease{}, false, err
	}
	return l, true, nil
}

// pause keeps a long-poll loop from spinning against a server that answers
// long before the wait is up: it sleeps a second if the last request took
// much less than wait.
func (c *Client) pause(ctx context.Context, start time.Time, wait time.Duration) error {
	if time.Since(start) >= wait-time.Second {
		return nil
	}
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// leasePath is the URL path of an operation on the lease of task id.
func leasePath(id int64, op string) string {
	return "/api/v1/leases/" + strconv.FormatInt(id, 10) + "/" + op
}

// Renew extends this executor's lease on task id to leaseTime from now
// (DefaultLeaseTime if 0) and returns the new expiry.
func (c *Client) Renew(ctx context.Context, id int64, leaseTime time.Duration) (time.Time, error) {
	if leaseTime == 0 {
		leaseTime = DefaultLeaseTime
	}
	q := url.Values{"lease": {leaseTime.String()}}
	b, err := c.do(ctx, http.MethodPost, leasePath(id, "renew"), q, nil, "", c.timeout, sdkMaxJSONResponse)
	var r LeaseRenewal
	if err == nil {
		err = decodeJSONResponse(b, &r)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("spindle: renewing the lease on task %d: %w", id, err)
	}
	return r.LeaseExpires, nil
}

// Complete marks task id done with a small result (may be nil).
func (c *Client) Complete(ctx context.Context, id int64, result []byte) error {
	if result == nil {
		result = []byte{}
	}
	if _, err := c.do(ctx, http.MethodPost, leasePath(id, "complete"), nil, result, "application/octet-stream", c.timeout, 0); err != nil {
		return fmt.Errorf("spindle: completing task %d: %w", id, err)
	}
	return nil
}

// Fail ends this attempt at task id with reason; the task runs again
// unless it has failed as often as it may.
func (c *Client) Fail(ctx context.Context, id int64, reason string) error {
	if _, err := c.do(ctx, http.MethodPost, leasePath(id, "fail"), nil, []byte(reason), "text/plain; charset=utf-8", c.timeout, 0); err != nil {
		return fmt.Errorf("spindle: failing task %d: %w", id, err)
	}
	return nil
}

// Return gives the lease on task id back without counting the attempt,
// e.g. when the executor is asked to stop; the task runs again elsewhere.
func (c *Client) Return(ctx context.Context, id int64) error {
	if _, err := c.do(ctx, http.MethodPost, leasePath(id, "return"), nil, nil, "", c.timeout, 0); err != nil {
		return fmt.Errorf("spindle: returning task %d: %w", id, err)
	}
	return nil
}

// QueueCounts returns how many tasks are in each state.
func (c *Client) QueueCounts(ctx context.Context) (QueueCounts, error) {
	var qc QueueCounts
	if err := c.getJSON(ctx, "/api/v1/queue", nil, &qc); err != nil {
		return QueueCounts{}, fmt.Errorf("spindle: getting queue counts: %w", err)
	}
	return qc, nil
}

// Task returns the state of task id.
func (c *Client) Task(ctx context.Context, id int64) (TaskInfo, error) {
	var ti TaskInfo
	if err := c.getJSON(ctx, "/api/v1/tasks/"+strconv.FormatInt(id, 10), nil, &ti); err != nil {
		return TaskInfo{}, fmt.Errorf("spindle: getting task %d: %w", id, err)
	}
	return ti, nil
}

// Tasks lists tasks with ids above after, only those in state unless state
// is empty; follow TaskList.Next for more.
func (c *Client) Tasks(ctx context.Context, state string, after int64) (TaskList, error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	var tl TaskList
	if err := c.getJSON(ctx, "/api/v1/tasks", q, &tl); err != nil {
		return TaskList{}, fmt.Errorf("spindle: listing tasks: %w", err)
	}
	return tl, nil
}

// Seal tells the queue that no more tasks will come, so that WaitAll can
// finish and idle executors' Lease calls end with ErrNoMoreTasks.
func (c *Client) Seal(ctx context.Context) (QueueCounts, error) {
	b, err := c.do(ctx, http.MethodPost, "/api/v1/queue/seal", nil, nil, "", c.timeout, sdkMaxJSONResponse)
	var qc QueueCounts
	if err == nil {
		err = decodeJSONResponse(b, &qc)
	}
	if err != nil {
		return QueueCounts{}, fmt.Errorf("spindle: sealing the queue: %w", err)
	}
	return qc, nil
}

// WaitAll waits, as long as ctx allows, until the queue is sealed (see
// Seal) and every task is done or failed, and returns the final counts.
// Failed tasks are not an error: check QueueCounts.Failed.
func (c *Client) WaitAll(ctx context.Context) (QueueCounts, error) {
	for {
		wait := MaxQueueWait
		if deadline, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(deadline))
		}
		if err := ctx.Err(); err != nil {
			return QueueCounts{}, fmt.Errorf("spindle: waiting for all tasks: %w", err)
		}
		if wait <= 0 {
			return QueueCounts{}, fmt.Errorf("spindle: waiting for all tasks: %w", context.DeadlineExceeded)
		}
		start := time.Now()
		var qc QueueCounts
		b, err := c.do(ctx, http.MethodGet, "/api/v1/queue/wait", url.Values{"timeout": {wait.String()}}, nil, "", c.timeout+wait, sdkMaxJSONResponse)
		if err == nil {
			err = decodeJSONResponse(b, &qc)
		}
		if err != nil {
			return QueueCounts{}, fmt.Errorf("spindle: waiting for all tasks: %w", err)
		}
		if qc.Finished {
			return qc, nil
		}
		if err := c.pause(ctx, start, wait); err != nil {
			return qc, fmt.Errorf("spindle: waiting for all tasks (%d queued, %d leased, sealed %t): %w", qc.Queued, qc.Leased, qc.Sealed, err)
		}
	}
}

// ScaleEvents returns the latest decisions of dynamic allocation, oldest
// first: GET /api/v1/events.
func (c *Client) ScaleEvents(ctx context.Context) ([]ScaleEvent, error) {
	var evs []ScaleEvent
	if err := c.getJSON(ctx, "/api/v1/scale/events", nil, &evs); err != nil {
		return nil, fmt.Errorf("spindle: getting scale events: %w", err)
	}
	return evs, nil
}
