package workqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// Identity tells the handlers who sent a request, from credentials the
// mounting code has already checked: the executor's id (empty if the caller
// is not an executor) and whether the caller may act as the driver
// (enqueue, seal, wait).
type Identity func(r *http.Request) (executorID string, driver bool)

// Route is one HTTP route of the queue: a Go 1.22 ServeMux pattern with
// method, and its handler.
type Route struct {
	Pattern string
	Handler http.HandlerFunc
}

// Limits of the HTTP handlers.
const (
	// MaxWait caps the wait= and timeout= of long-polls.
	MaxWait = container.MaxQueueWait
	// DefaultLeaseTime is the lease time when the request names none.
	DefaultLeaseTime = container.DefaultLeaseTime
	// MaxBatchBytes is the largest JSON batch of POST /api/v1/tasks.
	MaxBatchBytes = 64 << 20
	// DefaultListLimit and MaxListLimit bound the tasks of one list page.
	DefaultListLimit = 1000
	MaxListLimit     = 10000
	// maxReasonBytes is the most of a failure reason read; the queue keeps
	// Options.MaxErrorBytes of it.
	maxReasonBytes = 64 << 10
)

// handlers serves the routes of one queue.
type handlers struct {
	q   *Queue
	who Identity
}

// Routes returns the queue's routes, for the caller to mount behind its
// authentication:
//
//	POST /api/v1/tasks                     enqueue: a raw body (?key=K&maxAttempts=N), or with
//	                                       Content-Type application/json a batch {"tasks": [...]}
//	GET  /api/v1/tasks?state=S&after=ID&limit=N   list tasks (container.TaskList)
//	GET  /api/v1/tasks/{id}                one task (container.TaskInfo)
//	GET  /api/v1/tasks/{id}/result         a done task's result, raw
//	GET  /api/v1/queue                     counts (container.QueueCounts)
//	POST /api/v1/queue/seal                no more tasks will come; answers the counts
//	GET  /api/v1/queue/wait?timeout=30s    counts once finished or after timeout (max 60s)
//	POST /api/v1/leases?wait=30s&lease=60s lease the next task (container.TaskLease; with
//	                                       format=raw the body, and Spindle-Task-* headers);
//	                                       204 if none within wait, 410 once none will come
//	POST /api/v1/leases/{task}/renew?lease=60s   extend the lease
//	POST /api/v1/leases/{task}/complete    body: the result (at most Options.MaxResultBytes)
//	POST /api/v1/leases/{task}/fail        body: the reason, as text
//	POST /api/v1/leases/{task}/return      give the lease back, not counted as an attempt
//
// Enqueuing, sealing and waiting need a driver; the /api/v1/leases routes
// need an executor id; reading needs either. Errors are JSON
// container.ErrorResponse bodies with the statuses listed at the errors of
// this package. Call Queue.Close when shutting down so that long-polls end.
func Routes(q *Queue, who Identity) []Route {
	h := &handlers{q: q, who: who}
	return []Route{
		{"POST /api/v1/tasks", h.enqueue},
		{"GET /api/v1/tasks", h.list},
		{"GET /api/v1/tasks/{id}", h.task},
		{"GET /api/v1/tasks/{id}/result", h.result},
		{"GET /api/v1/queue", h.counts},
		{"POST /api/v1/queue/seal", h.seal},
		{"GET /api/v1/queue/wait", h.wait},
		{"POST /api/v1/leases", h.lease},
		{"POST /api/v1/leases/{task}/renew", h.renew},
		{"POST /api/v1/leases/{task}/complete", h.complete},
		{"POST /api/v1/leases/{task}/fail", h.fail},
		{"POST /api/v1/leases/{task}/return", h.giveBack},
	}
}

// Handler returns a ServeMux serving Routes, each wrapped by wrap if it is
// not nil (e.g. the API's authentication).
func Handler(q *Queue, who Identity, wrap func(http.Handler) http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range Routes(q, who) {
		var h http.Handler = rt.Handler
		if wrap != nil {
			h = wrap(h)
		}
		mux.Handle(rt.Pattern, h)
	}
	return mux
}

// StatusOf maps an error of this package to an HTTP status.
func StatusOf(err error) int {
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrQueueFull):
		return http.StatusTooManyRequests
	case errors.Is(err, ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, ErrNoSuchTask):
		return http.StatusNotFound
	case errors.Is(err, ErrKeyConflict), errors.Is(err, ErrNotLeased), errors.Is(err, ErrExecutorLost), errors.Is(err, ErrSealed):
		return http.StatusConflict
	case errors.Is(err, ErrNoMoreTasks):
		return http.StatusGone
	case errors.Is(err, ErrClosed):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// writeErr answers with err's status and message.
func writeErr(w http.ResponseWriter, err error) {
	status := StatusOf(err)
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "5")
	}
	writeError(w, status, err.Error())
}

// driver answers 403 and returns false unless r comes from a driver.
func (h *handlers) driver(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := h.who(r); !ok {
		writeError(w, http.StatusForbidden, "only the driver may enqueue tasks, seal the queue or wait for it: use the driver's credential")
		return false
	}
	return true
}

// executor returns the caller's executor id, or answers 403.
func (h *handlers) executor(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, _ := h.who(r)
	if id == "" {
		writeError(w, http.StatusForbidden, "only executors lease tasks: use an executor's credential")
		return "", false
	}
	return id, true
}

// reader answers 403 and returns false unless r comes from a driver or an
// executor.
func (h *handlers) reader(w http.ResponseWriter, r *http.Request) bool {
	if id, ok := h.who(r); !ok && id == "" {
		writeError(w, http.StatusForbidden, "only the driver and executors may read the task queue")
		return false
	}
	return true
}

// readBody reads r's body, answering 413 beyond limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, what string) ([]byte, bool) {
	if r.ContentLength > limit {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%s is %d bytes, the limit is %d", what, r.ContentLength, limit))
		return nil, false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%s is larger than the limit of %d bytes", what, limit))
		} else {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("reading %s: %v", what, err))
		}
		return nil, false
	}
	return b, true
}

// parseDuration parses a query parameter: a Go duration or a number of
// seconds, def if absent, at most limit.
func parseDuration(r *http.Request, name string, def, limit time.Duration) (time.Duration, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, err2 := strconv.ParseFloat(s, 64)
		if err2 != nil || secs != secs || secs < 0 {
			return 0, fmt.Errorf("%w: %s=%q: want a duration such as \"30s\"", ErrInvalid, name, s)
		}
		d = time.Duration(min(secs, limit.Seconds()) * float64(time.Second))
	}
	if d < 0 {
		return 0, fmt.Errorf("%w: %s=%q is negative", ErrInvalid, name, s)
	}
	return min(d, limit), nil
}

// pathID parses the path value name as a task id.
func pathID(r *http.Request, name string) (int64, error) {
	s := r.PathValue(name)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("%w: task id %q: want a positive number", ErrInvalid, s)
	}
	return id, nil
}

// isJSON reports whether r's Content-Type is application/json.
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("encoding response: %v", err))
		return
	}
	writeRaw(w, status, "application/json", append(b, '\n'))
}

// writeError answers with status and {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	b, err := json.Marshal(container.ErrorResponse{Error: strings.ToValidUTF8(msg, "\uFFFD")})
	if err != nil {
		b = []byte(`{"error":"internal error"}`)
	}
	writeRaw(w, status, "application/json", append(b, '\n'))
}

// writeRaw answers with status and body of the given type.
func writeRaw(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// waitContext bounds a long-poll by wait on top of the request's context.
func waitContext(r *http.Request, wait time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), wait)
}
