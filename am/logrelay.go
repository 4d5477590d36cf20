package am

import (
	"slices"
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// relayTTL is how long a follower's interest in a stream lasts after its
// last request: one long-poll and some slack.
const relayTTL = container.MaxLiveWait + 15*time.Second

// maxRelayWindow bounds what the AM keeps of one executor stream for its
// followers; a follower that falls further behind has its launcher read the
// file again from the follower's offset.
const maxRelayWindow = 1 << 20

// logRelay passes executors' stdout and stderr from their launchers to
// followers, and only while somebody follows: a follower's request makes a
// stream wanted for relayTTL, the launcher learns it from the demand
// (long-poll) and sends what its container's log file holds from the
// wanted offset on; nothing is sent for streams nobody follows.
type logRelay struct {
	now  func() time.Time
	mu   sync.Mutex
	logs map[string]*relayedLog // by executor id
}

// relayedLog is one executor's streams as followers asked for them and its
// launcher sent them.
type relayedLog struct {
	streams map[string]*logWindow
	version int64         // the demand's version (container.LogDemand)
	changed chan struct{} // closed and replaced on every change
	ended   bool          // the executor's container has ended
	timer   *time.Timer   // wakes demand waiters when interest expires
}

// logWindow is what the AM holds of one stream: data from file offset start.
type logWindow struct {
	start int64
	data  []byte
	until time.Time // wanted until then; zero: not wanted
}

func (w *logWindow) end() int64 { return w.start + int64(len(w.data)) }

func newLogRelay(now func() time.Time) *logRelay {
	return &logRelay{now: now, logs: map[string]*relayedLog{}}
}

// getLocked returns the executor's entry, making it (ended unless live).
func (r *logRelay) getLocked(id string, live bool) *relayedLog {
	l := r.logs[id]
	if l == nil {
		l = &relayedLog{streams: map[string]*logWindow{}, changed: make(chan struct{}), ended: !live}
		r.logs[id] = l
	}
	return l
}

func (l *relayedLog) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// bump records a change of the demand.
func (l *relayedLog) bump() {
	l.version++
	l.notify()
}

// window returns the stream's window, making it at offset.
func (l *relayedLog) window(stream string, offset int64) *logWindow {
	w := l.streams[stream]
	if w == nil {
		w = &logWindow{start: offset}
		l.streams[stream] = w
	}
	return w
}

// read returns what the AM holds of the executor's stream from offset (at
// most maxBytes) and a channel closed at the next change, and makes the
// stream wanted from there for relayTTL. live says whether the executor
// runs.
func (r *logRelay) read(id string, live bool, stream string, offset int64, maxBytes int) (container.LogPage, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.getLocked(id, live)
	if !live && !l.ended { // ended without the pool's hook (a launch that was lost)
		l.ended = true
		l.bump()
	}
	w := l.window(stream, offset)
	if !l.ended {
		r.wantLocked(id, l, w, offset)
	}
	page := container.LogPage{Offset: offset, Data: []byte{}}
	switch {
	case offset >= w.start && offset < w.end():
		i := offset - w.start
		page.Data = slices.Clone(w.data[i : i+min(int64(maxBytes), w.end()-offset)])
	case offset < w.start && len(w.data) > 0: // ended: what is left
		page.Offset = w.start
		page.Data = slices.Clone(w.data[:min(maxBytes, len(w.data))])
	default:
		page.Ended = l.ended
	}
	return page, l.changed
}

// wantLocked makes w wanted for relayTTL, from offset when that lies behind
// the window or far beyond it (the launcher will read the file from there).
func (r *logRelay) wantLocked(id string, l *relayedLog, w *logWindow, offset int64) {
	now := r.now()
	if !now.Before(w.until) {
		l.bump()
	}
	w.until = now.Add(relayTTL)
	if offset < w.start || offset > w.end()+maxRelayWindow {
		w.start, w.data = offset, nil
		l.bump()
	}
	if l.timer == nil {
		l.timer = time.AfterFunc(relayTTL, func() { r.expire(id) })
	}
}

// expire ends the interest in streams nobody asked for within relayTTL and
// wakes the launcher's demand wait; it runs on the entry's timer.
func (r *logRelay) expire(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.logs[id]
	if l == nil {
		return
	}
	l.timer = nil
	next := r.expireLocked(l)
	if !next.IsZero() {
		l.timer = time.AfterFunc(next.Sub(r.now()), func() { r.expire(id) })
	}
}

// expireLocked drops the streams whose interest has ended and returns when
// the next one ends (zero: none is wanted).
func (r *logRelay) expireLocked(l *relayedLog) time.Time {
	now := r.now()
	var next time.Time
	for _, w := range l.streams {
		switch {
		case w.until.IsZero():
		case !now.Before(w.until):
			w.until, w.data = time.Time{}, nil
			l.bump()
		case next.IsZero() || w.until.Before(next):
			next = w.until
		}
	}
	return next
}

// demand returns what followers want of the executor's streams and a
// channel closed when that changes.
func (r *logRelay) demand(id string) (container.LogDemand, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.getLocked(id, true)
	r.expireLocked(l)
	return l.demandLocked(), l.changed
}

func (l *relayedLog) demandLocked() container.LogDemand {
	d := container.LogDemand{Version: l.version, From: map[string]int64{}}
	if l.ended {
		return d
	}
	for name, w := range l.streams {
		if !w.until.IsZero() {
			d.From[name] = w.end()
		}
	}
	return d
}

// push takes data the launcher read at offset of the executor's stream. It
// keeps it when the stream is wanted and data continues the window; the
// answer tells the launcher where to go on.
func (r *logRelay) push(id, stream string, offset int64, data []byte) container.LogDemand {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.getLocked(id, true)
	r.expireLocked(l)
	w := l.streams[stream]
	if w != nil && !w.until.IsZero() && !l.ended && offset == w.end() && len(data) > 0 {
		w.data = append(w.data, data...)
		if drop := len(w.data) - maxRelayWindow; drop > 0 {
			w.start += int64(drop)
			w.data = slices.Clone(w.data[drop:])
		}
		l.notify()
	}
	return l.demandLocked()
}

// ended records that the executor's container has ended: followers get the
// rest of what the AM holds, then Ended. The entry goes after relayTTL.
func (r *logRelay) ended(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.logs[id]
	if l == nil || l.ended {
		return
	}
	l.ended = true
	l.bump()
	time.AfterFunc(relayTTL, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.logs[id] == l {
			delete(r.logs, id)
		}
	})
}
