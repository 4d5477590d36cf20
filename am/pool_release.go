package am

import (
	"slices"
	"strconv"
	"time"
)

// activeExecutor is a running executor that is not being stopped, as
// dynamic allocation sees it.
type activeExecutor struct {
	id      string
	started time.Time
}

// Retarget sets the number of wanted executors without stopping any:
// lowering it only cancels executors not yet started (fewer containers are
// asked for, and surplus allocations are released). Running executors go
// only through Release.
func (p *pool) Retarget(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.target != n {
		p.target = n
		p.notifyLocked()
	}
}

// Release asks the live executor id to stop gracefully: it is marked
// stopping (its end is not a failure and it no longer counts toward the
// target) and its stop channel is closed. It returns nil when id is not a
// live executor or is already stopping.
func (p *pool) Release(id string) *executor {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.byIDLocked(id)
	if e == nil || !e.live() || e.stopping {
		return nil
	}
	e.stopping = true
	close(e.stopChanLocked())
	p.notifyLocked()
	return e
}

// StopSignal returns the channel closed once executor id is asked to stop,
// and whether id is a live executor.
func (p *pool) StopSignal(id string) (<-chan struct{}, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.byIDLocked(id)
	if e == nil {
		return nil, false
	}
	return e.stopChanLocked(), e.live()
}

// Active lists the running executors that are not being stopped.
func (p *pool) Active() []activeExecutor {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []activeExecutor
	for _, e := range p.all {
		if e.state == stateRunning && !e.stopping {
			out = append(out, activeExecutor{id: strconv.Itoa(e.id), started: e.started})
		}
	}
	return out
}

// Stopping reports whether executor e was asked to stop; live whether it
// still runs.
func (p *pool) Stopping(e *executor) (stopping, live bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return e.stopping, e.live()
}

// ended tells the onEnd hooks that executor e has ended with outcome out.
func (p *pool) ended(e *executor, out outcome) {
	if e == nil {
		return
	}
	p.mu.Lock()
	hooks := slices.Clone(p.onEnd)
	p.mu.Unlock()
	for _, hook := range hooks {
		hook(strconv.Itoa(e.id), out == outcomeFailed)
	}
}

// containerExecutor returns the id of the executor in the container and
// whether it is live; ok is false when no executor had the container.
func (p *pool) containerExecutor(containerID string) (id string, live, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.byContainer[containerID]
	if e == nil {
		return "", false, false
	}
	return strconv.Itoa(e.id), e.live(), true
}

// byIDLocked finds an executor by its id.
func (p *pool) byIDLocked(id string) *executor {
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || n > len(p.all) {
		return nil
	}
	for _, e := range p.all {
		if e.id == n {
			return e
		}
	}
	return nil
}

// stopChanLocked returns e's stop channel, creating it on first use.
func (e *executor) stopChanLocked() chan struct{} {
	if e.stopReq == nil {
		e.stopReq = make(chan struct{})
	}
	return e.stopReq
}
