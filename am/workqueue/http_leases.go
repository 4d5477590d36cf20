package workqueue

import (
	"net/http"
	"strconv"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// Headers of a lease answered with format=raw.
const (
	HeaderTaskID       = "Spindle-Task-Id"
	HeaderTaskKey      = "Spindle-Task-Key"
	HeaderTaskAttempt  = "Spindle-Task-Attempt"
	HeaderLeaseExpires = "Spindle-Lease-Expires"
)

// lease answers POST /api/v1/leases?wait=&lease=&format=.
func (h *handlers) lease(w http.ResponseWriter, r *http.Request) {
	exec, ok := h.executor(w, r)
	if !ok {
		return
	}
	wait, err := parseDuration(r, "wait", 0, MaxWait)
	if err == nil {
		var d time.Duration
		if d, err = parseDuration(r, "lease", DefaultLeaseTime, h.q.opts.MaxLeaseTime); err == nil {
			h.leaseFor(w, r, exec, wait, d)
			return
		}
	}
	writeErr(w, err)
}

// leaseFor leases a task for exec, waiting up to wait, for leaseTime.
func (h *handlers) leaseFor(w http.ResponseWriter, r *http.Request, exec string, wait, leaseTime time.Duration) {
	raw := false
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
	case "raw":
		raw = true
	default:
		writeError(w, http.StatusBadRequest, "format="+strconv.Quote(f)+": want json or raw")
		return
	}
	ctx, cancel := waitContext(r, max(wait, time.Millisecond))
	defer cancel()
	l, err := h.q.Lease(ctx, exec, leaseTime)
	switch {
	case err == nil:
	case r.Context().Err() != nil: // the client has gone
		return
	case ctx.Err() != nil:
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		writeErr(w, err)
		return
	}
	if raw {
		hd := w.Header()
		hd.Set(HeaderTaskID, strconv.FormatInt(l.TaskID, 10))
		if l.Key != "" {
			hd.Set(HeaderTaskKey, l.Key)
		}
		hd.Set(HeaderTaskAttempt, strconv.Itoa(l.Attempt))
		hd.Set(HeaderLeaseExpires, l.Expires.UTC().Format(time.RFC3339Nano))
		writeRaw(w, http.StatusOK, "application/octet-stream", l.Body)
		return
	}
	writeJSON(w, http.StatusOK, container.TaskLease{
		TaskID: l.TaskID, Key: l.Key, Body: l.Body, Attempt: l.Attempt, LeaseExpires: l.Expires,
	})
}

// leaseTarget returns the caller's executor id and the {task} path value,
// or answers an error.
func (h *handlers) leaseTarget(w http.ResponseWriter, r *http.Request) (string, int64, bool) {
	exec, ok := h.executor(w, r)
	if !ok {
		return "", 0, false
	}
	id, err := pathID(r, "task")
	if err != nil {
		writeErr(w, err)
		return "", 0, false
	}
	return exec, id, true
}

// renew answers POST /api/v1/leases/{task}/renew?lease=.
func (h *handlers) renew(w http.ResponseWriter, r *http.Request) {
	exec, id, ok := h.leaseTarget(w, r)
	if !ok {
		return
	}
	d, err := parseDuration(r, "lease", DefaultLeaseTime, h.q.opts.MaxLeaseTime)
	var exp time.Time
	if err == nil {
		exp, err = h.q.Renew(id, exec, d)
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, container.LeaseRenewal{LeaseExpires: exp})
}

// complete answers POST /api/v1/leases/{task}/complete; the body is the
// result.
func (h *handlers) complete(w http.ResponseWriter, r *http.Request) {
	exec, id, ok := h.leaseTarget(w, r)
	if !ok {
		return
	}
	result, ok := readBody(w, r, int64(h.q.opts.MaxResultBytes), "task result")
	if !ok {
		return
	}
	if err := h.q.Complete(id, exec, result); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fail answers POST /api/v1/leases/{task}/fail; the body is the reason.
func (h *handlers) fail(w http.ResponseWriter, r *http.Request) {
	exec, id, ok := h.leaseTarget(w, r)
	if !ok {
		return
	}
	reason, ok := readBody(w, r, maxReasonBytes, "failure reason")
	if !ok {
		return
	}
	if err := h.q.Fail(id, exec, string(reason)); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// giveBack answers POST /api/v1/leases/{task}/return.
func (h *handlers) giveBack(w http.ResponseWriter, r *http.Request) {
	exec, id, ok := h.leaseTarget(w, r)
	if !ok {
		return
	}
	if err := h.q.Return(id, exec); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
