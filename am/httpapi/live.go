package httpapi

import (
	"net/http"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// Live is what a Backend may provide besides the Backend methods: the event
// log and the cluster-mode driver's output. Without it, the events endpoint
// answers an empty log and the output endpoint 404.
type Live interface {
	// Events returns the events from sequence number from on and a channel
	// closed at the next event (nil: none will come).
	Events(from int64) (container.EventPage, <-chan struct{})
	// DriverOutput returns the driver's output from chunk from on, at most
	// about maxBytes of it, and a channel closed at the next change; ok is
	// false when the AM runs no driver.
	DriverOutput(from int64, maxBytes int) (page container.OutputPage, changed <-chan struct{}, ok bool)
}

// maxOutputPage bounds the driver output one answer carries.
const maxOutputPage = 1 << 20

// liveParams reads ?NAME=N&wait=D of the long-polls (N >= 0, 0 when absent;
// D at most container.MaxLiveWait), or answers 400.
func liveParams(w http.ResponseWriter, r *http.Request, name string) (n int64, wait time.Duration, ok bool) {
	if n, ok = offsetParam(w, r, name); !ok {
		return 0, 0, false
	}
	wait, err := parseWait(r.URL.Query().Get("wait"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return 0, 0, false
	}
	return n, min(wait, container.MaxLiveWait), true
}

// eventLinger is how long an events long-poll that has been woken by a
// new event waits for more before answering: executors start and end in
// bursts (128 within a second or two), and one answer per burst instead of
// one per event spares the AM a request per executor and event (see
// bench/RESULTS.md).
const eventLinger = 200 * time.Millisecond

// longPoll calls get until it has something to say (its bool) or wait
// has passed, the client has gone or the server drains. Woken by a change,
// it first waits linger (when positive) for more changes to answer with.
func (s *Server) longPoll(r *http.Request, wait, linger time.Duration, get func() (bool, <-chan struct{})) {
	if wait <= 0 {
		get()
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		ready, changed := get()
		if ready || changed == nil {
			return
		}
		select {
		case <-changed:
			if linger > 0 {
				s.pause(r, linger)
				linger = 0
			}
		case <-t.C:
			get()
			return
		case <-r.Context().Done():
			return
		case <-s.drained:
			get()
			return
		}
	}
}

// pause waits d, or less when the client goes or the server drains.
func (s *Server) pause(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-s.drained:
	}
}

// getEvents answers GET /api/v1/events?from=N&wait=D: the events from N on,
// waiting up to D for the first one and then eventLinger for more.
func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) {
	from, wait, ok := liveParams(w, r, "from")
	if !ok {
		return
	}
	lv, _ := s.backend.(Live)
	page := container.EventPage{Events: []container.Event{}, Next: max(from, 1)}
	if lv != nil {
		s.longPoll(r, wait, eventLinger, func() (bool, <-chan struct{}) {
			var changed <-chan struct{}
			page, changed = lv.Events(from)
			return len(page.Events) > 0 || page.Dropped > 0, changed
		})
	}
	if r.Context().Err() == nil {
		writeJSON(w, http.StatusOK, page)
	}
}

// getDriverOutput answers GET /api/v1/driver/output?from=N&wait=D: the
// cluster-mode driver's output from chunk N on, waiting up to D for some.
func (s *Server) getDriverOutput(w http.ResponseWriter, r *http.Request) {
	from, wait, ok := liveParams(w, r, "from")
	if !ok {
		return
	}
	lv, _ := s.backend.(Live)
	if lv == nil {
		writeError(w, http.StatusNotFound, "this ApplicationMaster runs no driver: there is no driver output to follow")
		return
	}
	var page container.OutputPage
	s.longPoll(r, wait, 0, func() (bool, <-chan struct{}) {
		var changed <-chan struct{}
		page, changed, ok = lv.DriverOutput(from, maxOutputPage)
		return !ok || len(page.Chunks) > 0 || page.Closed || page.Dropped > 0, changed
	})
	switch {
	case r.Context().Err() != nil:
	case !ok:
		writeError(w, http.StatusNotFound, "this ApplicationMaster runs no driver (client mode or executors only): there is no driver output to follow")
	default:
		writeJSON(w, http.StatusOK, page)
	}
}
