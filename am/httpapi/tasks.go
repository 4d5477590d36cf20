package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/spindle-yarn/spindle/am/workqueue"
	"github.com/spindle-yarn/spindle/container"
)

// Tasks is what the Server needs to serve the work queue (see
// workqueue.Routes) and dynamic allocation's events.
type Tasks struct {
	// Queue is the work queue. The Server does not close it: the owner
	// calls Queue.Close when shutting down.
	Queue *workqueue.Queue
	// Executor reports whether id names a live executor of the
	// application, and returns a channel that is closed once the
	// ApplicationMaster asks that executor to stop.
	Executor func(id string) (stop <-chan struct{}, live bool)
	// Events returns the latest scaling decisions, oldest first; nil
	// means none are kept.
	Events func() []container.ScaleEvent
}

// WithTasks mounts the work queue's routes behind the API's
// authentication: the driver's secret acts as the driver (enqueue, seal,
// wait); the executors' secret together with the container.HeaderExecutorID
// header acts as that executor (lease, renew, complete, fail, return). An
// executor asked to stop gets 410 with container.HeaderStop on its next
// (or pending) lease request.
func WithTasks(t Tasks) Option {
	return func(o *options) { o.tasks = &t }
}

// mountTasks registers the work queue's routes and GET /api/v1/scale/events on
// api.
func (s *Server) mountTasks(api *http.ServeMux) {
	t := s.opts.tasks
	for _, rt := range workqueue.Routes(t.Queue, s.identity) {
		h := rt.Handler
		switch {
		case rt.Pattern == "POST /api/v1/leases":
			h = s.liveExecutor(s.stopGate(h))
		case strings.HasPrefix(rt.Pattern, "POST /api/v1/leases/"):
			h = s.liveExecutor(h)
		}
		api.HandleFunc(rt.Pattern, h)
	}
	handle(api, "/api/v1/scale/events", route{http.MethodGet, s.getScaleEvents})
}

// identity maps a request's credentials to the work queue's callers: the
// driver's secret is the driver; the executors' secret is the executor
// named by the container.HeaderExecutorID header.
func (s *Server) identity(r *http.Request) (string, bool) {
	switch r.Context().Value(roleKey{}) {
	case roleDriver:
		return "", true
	case roleExecutor:
		return strings.TrimSpace(r.Header.Get(container.HeaderExecutorID)), false
	}
	return "", false
}

// liveExecutor answers 403 to an executor's request that names no live
// executor of the application.
func (s *Server) liveExecutor(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, _ := s.identity(r)
		if id != "" && s.opts.tasks.Executor != nil {
			if _, live := s.opts.tasks.Executor(id); !live {
				writeError(w, http.StatusForbidden, fmt.Sprintf("%s %q names no running executor of this application: executors send their SPINDLE_EXECUTOR_ID", container.HeaderExecutorID, id))
				return
			}
		}
		next(w, r)
	}
}

// stopGate answers a lease request of an executor asked to stop with 410
// and container.HeaderStop, also when the request was already waiting for
// a task.
func (s *Server) stopGate(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, _ := s.identity(r)
		if id == "" || s.opts.tasks.Executor == nil {
			next(w, r)
			return
		}
		stop, _ := s.opts.tasks.Executor(id)
		if isClosed(stop) {
			writeStop(w, id)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go func() {
			select {
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		rec := &recordingWriter{ResponseWriter: w}
		next(rec, r.WithContext(ctx))
		if !rec.wrote && r.Context().Err() == nil && isClosed(stop) {
			writeStop(w, id)
		}
	}
}

// writeStop answers 410 with container.HeaderStop.
func writeStop(w http.ResponseWriter, id string) {
	w.Header().Set(container.HeaderStop, container.StopValue)
	writeError(w, http.StatusGone, fmt.Sprintf("executor %s is asked to stop (its executor is released): finish or return the leases it holds and exit 0", id))
}

// isClosed reports whether ch is closed; a nil channel never is.
func isClosed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// recordingWriter notes whether a handler answered.
type recordingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *recordingWriter) WriteHeader(status int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// getScaleEvents answers GET /api/v1/scale/events.
func (s *Server) getScaleEvents(w http.ResponseWriter, r *http.Request) {
	var evs []container.ScaleEvent
	if s.opts.tasks.Events != nil {
		evs = s.opts.tasks.Events()
	}
	if evs == nil {
		evs = []container.ScaleEvent{}
	}
	writeJSON(w, http.StatusOK, evs)
}
