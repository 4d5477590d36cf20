package am

import (
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// maxEvents bounds the event log; the oldest events go first.
const maxEvents = 2000

// eventLog is the attempt's event log: what happened to the attempt, the
// driver and the executors, numbered from 1, for the events endpoint, the
// status page and the summary.
type eventLog struct {
	mu      sync.Mutex
	events  []container.Event // the last maxEvents
	next    int64             // Seq of the next event
	changed chan struct{}     // closed and replaced on every event
	now     func() time.Time
}

func newEventLog() *eventLog {
	return &eventLog{next: 1, changed: make(chan struct{}), now: time.Now}
}

// add records e, setting its Seq and Time.
func (l *eventLog) add(e container.Event) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Seq, e.Time = l.next, l.now()
	l.next++
	l.events = append(l.events, e)
	if len(l.events) > maxEvents {
		l.events = append(l.events[:0:0], l.events[len(l.events)-maxEvents:]...)
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

// since returns the events with Seq >= from, the next from, how many of
// those asked for are no longer held, and a channel closed at the next event.
func (l *eventLog) since(from int64) (container.EventPage, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := container.EventPage{Events: []container.Event{}, Next: max(from, 1)}
	if len(l.events) > 0 && p.Next < l.events[0].Seq {
		p.Dropped = l.events[0].Seq - p.Next
		p.Next = l.events[0].Seq
	}
	for _, e := range l.events {
		if e.Seq >= p.Next {
			p.Events = append(p.Events, e)
		}
	}
	if n := len(p.Events); n > 0 {
		p.Next = p.Events[n-1].Seq + 1
	}
	p.Next = min(p.Next, l.next)
	return p, l.changed
}

// all returns every event held.
func (l *eventLog) all() []container.Event {
	p, _ := l.since(1)
	return p.Events
}
