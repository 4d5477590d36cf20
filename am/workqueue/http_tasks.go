package workqueue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/spindle-yarn/spindle/container"
)

// enqueue answers POST /api/v1/tasks: 201 if a task was created, 200 if
// every key matched an existing task.
func (h *handlers) enqueue(w http.ResponseWriter, r *http.Request) {
	if !h.driver(w, r) {
		return
	}
	var tasks []NewTask
	var ok bool
	if isJSON(r) {
		tasks, ok = h.readBatch(w, r)
	} else {
		tasks, ok = h.readOne(w, r)
	}
	if !ok {
		return
	}
	out, err := h.q.Enqueue(tasks...)
	if err != nil {
		writeErr(w, err)
		return
	}
	resp := container.EnqueueResponse{Tasks: make([]container.EnqueuedTask, len(out))}
	status := http.StatusOK
	for i, e := range out {
		resp.Tasks[i] = container.EnqueuedTask{ID: e.ID, Key: e.Key, Created: e.Created}
		if e.Created {
			status = http.StatusCreated
		}
	}
	writeJSON(w, status, resp)
}

// readOne reads a single task: the raw body, ?key= and ?maxAttempts=.
func (h *handlers) readOne(w http.ResponseWriter, r *http.Request) ([]NewTask, bool) {
	q := r.URL.Query()
	nt := NewTask{Key: q.Get("key")}
	if s := q.Get("maxAttempts"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("maxAttempts=%q: want a positive number", s))
			return nil, false
		}
		nt.MaxAttempts = n
	}
	body, ok := readBody(w, r, int64(h.q.opts.MaxBodyBytes), "task body")
	nt.Body = body
	return []NewTask{nt}, ok
}

// readBatch reads a JSON batch {"tasks": [...]}.
func (h *handlers) readBatch(w http.ResponseWriter, r *http.Request) ([]NewTask, bool) {
	body, ok := readBody(w, r, MaxBatchBytes, "JSON batch of tasks (split it)")
	if !ok {
		return nil, false
	}
	var req container.EnqueueRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`invalid JSON batch: %v; send {"tasks": [{"key": "k", "body": "text"}]}, or a single task's raw body with another Content-Type than application/json`, err))
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "invalid JSON batch: unexpected data after the object")
		return nil, false
	}
	if len(req.Tasks) == 0 {
		writeError(w, http.StatusBadRequest, `JSON batch has no tasks: send {"tasks": [{"body": "text"}, ...]}`)
		return nil, false
	}
	tasks := make([]NewTask, len(req.Tasks))
	for i, in := range req.Tasks {
		if in.Body != "" && len(in.Base64) > 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("task %d of the batch has both body and base64: give one", i+1))
			return nil, false
		}
		tasks[i] = NewTask{Key: in.Key, Body: in.Base64, MaxAttempts: in.MaxAttempts}
		if in.Body != "" {
			tasks[i].Body = []byte(in.Body)
		}
	}
	return tasks, true
}

// list answers GET /api/v1/tasks?state=&after=&limit=.
func (h *handlers) list(w http.ResponseWriter, r *http.Request) {
	if !h.reader(w, r) {
		return
	}
	q := r.URL.Query()
	var state State
	if s := q.Get("state"); s != "" {
		st, err := ParseState(s)
		if err != nil {
			writeErr(w, err)
			return
		}
		state = st
	}
	after, err := queryInt(q.Get("after"), 0, 0)
	if err != nil {
		writeError(w, http.StatusBadRequest, "after: "+err.Error())
		return
	}
	limit, err := queryInt(q.Get("limit"), DefaultListLimit, 1)
	if err != nil {
		writeError(w, http.StatusBadRequest, "limit: "+err.Error())
		return
	}
	tasks, next := h.q.List(state, after, int(min(limit, MaxListLimit)))
	out := container.TaskList{Tasks: make([]container.TaskInfo, len(tasks)), Next: next}
	for i, t := range tasks {
		out.Tasks[i] = taskInfo(t)
	}
	writeJSON(w, http.StatusOK, out)
}

// queryInt parses a numeric query parameter of at least lowest, def if
// absent.
func queryInt(s string, def, lowest int64) (int64, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lowest {
		return 0, fmt.Errorf("%q: want a whole number of at least %d", s, lowest)
	}
	return n, nil
}

// taskInfo converts a snapshot to its JSON form.
func taskInfo(t Task) container.TaskInfo {
	return container.TaskInfo{
		ID: t.ID, Key: t.Key, State: string(t.State),
		Attempts: t.Attempts, Failures: t.Failures, MaxAttempts: t.MaxAttempts,
		LastError: t.LastError, Result: t.Result, Executor: t.Executor, BodySize: t.BodySize,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, LeaseExpires: t.LeaseExpires, FinishedAt: t.FinishedAt,
	}
}

// lookup finds the task of the {id} path value, or answers an error.
func (h *handlers) lookup(w http.ResponseWriter, r *http.Request) (Task, bool) {
	if !h.reader(w, r) {
		return Task{}, false
	}
	id, err := pathID(r, "id")
	if err == nil {
		var t Task
		if t, err = h.q.Task(id); err == nil {
			return t, true
		}
	}
	writeErr(w, err)
	return Task{}, false
}

// task answers GET /api/v1/tasks/{id}.
func (h *handlers) task(w http.ResponseWriter, r *http.Request) {
	if t, ok := h.lookup(w, r); ok {
		writeJSON(w, http.StatusOK, taskInfo(t))
	}
}

// result answers GET /api/v1/tasks/{id}/result with the raw result.
func (h *handlers) result(w http.ResponseWriter, r *http.Request) {
	t, ok := h.lookup(w, r)
	if !ok {
		return
	}
	if t.State != Done {
		writeError(w, http.StatusConflict, fmt.Sprintf("task %d is %s: only done tasks have a result", t.ID, t.State))
		return
	}
	writeRaw(w, http.StatusOK, "application/octet-stream", t.Result)
}

// countsJSON converts counts to their JSON form.
func countsJSON(c Counts) container.QueueCounts {
	return container.QueueCounts{
		Queued: c.Queued, Leased: c.Leased, Done: c.Done, Failed: c.Failed,
		Total: c.Total, Bytes: c.Bytes, Sealed: c.Sealed, Finished: c.Finished,
	}
}

// counts answers GET /api/v1/queue.
func (h *handlers) counts(w http.ResponseWriter, r *http.Request) {
	if h.reader(w, r) {
		writeJSON(w, http.StatusOK, countsJSON(h.q.Counts()))
	}
}

// seal answers POST /api/v1/queue/seal.
func (h *handlers) seal(w http.ResponseWriter, r *http.Request) {
	if h.driver(w, r) {
		h.q.Seal()
		writeJSON(w, http.StatusOK, countsJSON(h.q.Counts()))
	}
}

// wait answers GET /api/v1/queue/wait?timeout=: the counts once the queue
// is finished or the timeout passes (both 200: see "finished").
func (h *handlers) wait(w http.ResponseWriter, r *http.Request) {
	if !h.driver(w, r) {
		return
	}
	timeout, err := parseDuration(r, "timeout", MaxWait/2, MaxWait)
	if err != nil {
		writeErr(w, err)
		return
	}
	ctx, cancel := waitContext(r, timeout)
	defer cancel()
	c, err := h.q.WaitAll(ctx)
	switch {
	case err == nil, ctx.Err() != nil && r.Context().Err() == nil:
		writeJSON(w, http.StatusOK, countsJSON(c))
	case r.Context().Err() != nil: // the client has gone
	default:
		writeErr(w, err)
	}
}
