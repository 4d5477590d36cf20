package console

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// StatusLine keeps one line at the bottom of a terminal saying how the
// application is doing: state, executors against the target, failures,
// elapsed time. Writes through wrap clear it first and redraw it after, so
// that output and log lines scroll above it.
type StatusLine struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	state string
	info  *container.AppInfo
	shown bool
	done  chan struct{}
	once  sync.Once
}

// NewStatusLine returns a StatusLine drawn on w, redrawn every second until
// Stop. Nothing is drawn before SetState.
func NewStatusLine(w io.Writer) *StatusLine {
	s := &StatusLine{w: w, start: time.Now(), done: make(chan struct{})}
	go s.tick()
	return s
}

// tick redraws every second, for the elapsed time.
func (s *StatusLine) tick() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			s.mu.Lock()
			s.drawLocked()
			s.mu.Unlock()
		}
	}
}

// text is the status line's content.
func (s *StatusLine) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", s.state)
	if i := s.info; i != nil {
		fmt.Fprintf(&b, " | executors %d/%d running", i.Running, i.TargetExecutors)
		if i.Pending > 0 {
			fmt.Fprintf(&b, ", %d pending", i.Pending)
		}
		fmt.Fprintf(&b, ", %d failed", i.Failed)
		if i.FailureBudget > 0 {
			fmt.Fprintf(&b, " (of %d allowed)", i.FailureBudget)
		}
		if i.Attempt > 1 {
			fmt.Fprintf(&b, " | attempt %d", i.Attempt)
		}
	}
	fmt.Fprintf(&b, " | %s", time.Since(s.start).Round(time.Second))
	return b.String()
}

func (s *StatusLine) drawLocked() {
	if s.state == "" {
		return
	}
	fmt.Fprintf(s.w, "\r\x1b[K\x1b[7m %s \x1b[0m", s.text())
	s.shown = true
}

func (s *StatusLine) clearLocked() {
	if s.shown {
		fmt.Fprint(s.w, "\r\x1b[K")
		s.shown = false
	}
}

// SetState records the YARN state.
func (s *StatusLine) SetState(state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = state
	s.drawLocked()
}

// SetInfo records the AM's view.
func (s *StatusLine) SetInfo(i container.AppInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.info = &i
	s.drawLocked()
}

// Stop removes the status line for good.
func (s *StatusLine) Stop() {
	s.once.Do(func() {
		close(s.done)
		s.mu.Lock()
		s.clearLocked()
		s.state, s.info = "", nil
		s.mu.Unlock()
	})
}

// Wrap returns a writer to w that keeps the status line below what it writes.
func (s *StatusLine) Wrap(w io.Writer) io.Writer { return lineAbove{s, w} }

type lineAbove struct {
	s *StatusLine
	w io.Writer
}

// Write clears the status line, writes p and, at the end of a line, redraws it.
func (l lineAbove) Write(p []byte) (int, error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.clearLocked()
	n, err := l.w.Write(p)
	if len(p) > 0 && p[len(p)-1] == '\n' {
		select {
		case <-l.s.done:
		default:
			l.s.drawLocked()
		}
	}
	return n, err
}
