package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/spindle-yarn/spindle/container"
)

// ContainerLogs is what a Backend may provide to stream running containers'
// stdout and stderr to followers (`spindle logs --follow`). The AM serves
// its own container's log files itself; an executor's come from its
// launcher, which sends them only while somebody follows them. Without it,
// the logs endpoints answer 404.
type ContainerLogs interface {
	// ContainerLog returns the container's stream from offset, at most
	// about maxBytes of it, and a channel closed at the next change. A
	// container that is neither the AM's nor an executor's of this attempt
	// is an error wrapping ErrNoContainer.
	ContainerLog(containerID, stream string, offset int64, maxBytes int) (container.LogPage, <-chan struct{}, error)
	// LogDemand returns what followers want of the executor's logs and a
	// channel closed when that changes. An executor that is not live is an
	// error wrapping ErrNoContainer.
	LogDemand(executorID string) (container.LogDemand, <-chan struct{}, error)
	// PushLog takes data found at offset of the executor's stream and
	// returns the demand after it.
	PushLog(executorID, stream string, offset int64, data []byte) (container.LogDemand, error)
}

// ErrNoContainer is what a ContainerLogs reports for a container or
// executor it does not serve logs of.
var ErrNoContainer = errors.New("no such running container")

// maxLogPage bounds the log data one answer carries.
const maxLogPage = 1 << 20

// logStream returns the {stream} of the request, or answers 400.
func logStream(w http.ResponseWriter, r *http.Request) (string, bool) {
	s := r.PathValue("stream")
	if s != container.StreamStdout && s != container.StreamStderr {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("log stream %q: want %s or %s (other log files are on the container's NodeManager)", s, container.StreamStdout, container.StreamStderr))
		return "", false
	}
	return s, true
}

// offsetParam reads the request's ?name=N (>= 0; 0 when absent), or answers 400.
func offsetParam(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid %s %q: want a number >= 0", name, s))
		return 0, false
	}
	return n, true
}

// containerLogs returns the backend's ContainerLogs, or answers 404.
func (s *Server) containerLogs(w http.ResponseWriter) (ContainerLogs, bool) {
	cl, ok := s.backend.(ContainerLogs)
	if !ok {
		writeError(w, http.StatusNotFound, "this ApplicationMaster does not stream containers' logs (local mode): read them with spindle logs")
	}
	return cl, ok
}

// getContainerLog answers GET /api/v1/containers/{id}/logs/{stream}?offset=N&wait=D:
// the container's stream from N on, waiting up to D for some.
func (s *Server) getContainerLog(w http.ResponseWriter, r *http.Request) {
	stream, ok := logStream(w, r)
	if !ok {
		return
	}
	offset, wait, ok := liveParams(w, r, "offset")
	if !ok {
		return
	}
	cl, ok := s.containerLogs(w)
	if !ok {
		return
	}
	var page container.LogPage
	var err error
	s.longPoll(r, wait, 0, func() (bool, <-chan struct{}) {
		var changed <-chan struct{}
		page, changed, err = cl.ContainerLog(r.PathValue("id"), stream, offset, maxLogPage)
		return err != nil || len(page.Data) > 0 || page.Ended, changed
	})
	answerLogs(w, r, page, err, "container "+r.PathValue("id"), " (its logs are on its NodeManager: spindle logs)")
}

// answerLogs writes v, or the error that came instead: 404 naming subject
// (with hint) for ErrNoContainer, 500 otherwise; nothing once the client
// has gone.
func answerLogs(w http.ResponseWriter, r *http.Request, v any, err error, subject, hint string) {
	switch {
	case r.Context().Err() != nil:
	case errors.Is(err, ErrNoContainer):
		writeError(w, http.StatusNotFound, fmt.Sprintf("%s: %v%s", subject, err, hint))
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, v)
	}
}

// executorOnly answers 403 unless the request carries the executors' secret
// and names an executor (identity), whose id it passes on.
func (s *Server) executorOnly(next func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, _ := s.identity(r)
		if id == "" {
			writeError(w, http.StatusForbidden, fmt.Sprintf("%s %s is for executor launchers only: the executors' secret and %s", r.Method, r.URL.Path, container.HeaderExecutorID))
			return
		}
		next(w, r, id)
	}
}

// getLogDemand answers GET /api/v1/executor/logs?version=V&wait=D:
// what followers want of the executor's logs, once it differs from version V.
func (s *Server) getLogDemand(w http.ResponseWriter, r *http.Request, executorID string) {
	version, wait, ok := liveParams(w, r, "version")
	if !ok {
		return
	}
	cl, ok := s.containerLogs(w)
	if !ok {
		return
	}
	var d container.LogDemand
	var err error
	s.longPoll(r, wait, 0, func() (bool, <-chan struct{}) {
		var changed <-chan struct{}
		d, changed, err = cl.LogDemand(executorID)
		return err != nil || d.Version != version, changed
	})
	s.answerDemand(w, r, executorID, d, err)
}

// pushLog answers POST /api/v1/executor/logs/{stream}?offset=N: data of the
// executor's stream found at offset N.
func (s *Server) pushLog(w http.ResponseWriter, r *http.Request, executorID string) {
	stream, ok := logStream(w, r)
	if !ok {
		return
	}
	offset, ok := offsetParam(w, r, "offset")
	if !ok {
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, container.MaxLogPush+1))
	switch {
	case err != nil:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("read the pushed log data: %v", err))
		return
	case len(data) > container.MaxLogPush:
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("a log push carries at most %d bytes", container.MaxLogPush))
		return
	}
	cl, ok := s.containerLogs(w)
	if !ok {
		return
	}
	d, err := cl.PushLog(executorID, stream, offset, data)
	s.answerDemand(w, r, executorID, d, err)
}

// answerDemand writes a LogDemand or the error that came instead.
func (s *Server) answerDemand(w http.ResponseWriter, r *http.Request, executorID string, d container.LogDemand, err error) {
	if d.From == nil {
		d.From = map[string]int64{}
	}
	answerLogs(w, r, d, err, "executor "+executorID, "")
}
