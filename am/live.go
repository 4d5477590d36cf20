package am

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// replacingLocked makes a new executor the replacement of the oldest failed
// or lost one not yet replaced. Called with p.mu held.
func (p *pool) replacingLocked(e *executor) {
	if len(p.unreplaced) > 0 {
		e.replaces = p.unreplaced[0]
		p.unreplaced = p.unreplaced[1:]
	}
}

// startedLocked records that an executor runs, and what it replaces.
// Called with p.mu held.
func (p *pool) startedLocked(e *executor) {
	id := strconv.Itoa(e.id)
	p.events.add(container.Event{Type: container.EventExecutorStarted, Executor: id, Container: e.containerID, Host: e.host,
		Message: fmt.Sprintf("executor %d started in %s on %s", e.id, e.containerID, e.host)})
	if e.replaces > 0 {
		p.events.add(container.Event{Type: container.EventExecutorReplaced, Executor: id, Replaces: strconv.Itoa(e.replaces),
			Container: e.containerID, Host: e.host, Message: fmt.Sprintf("executor %d replaces executor %d", e.id, e.replaces)})
	}
}

// endedLocked records an executor's end: completed, failed (with the
// reason and the budget used) or lost; a failed or lost executor that was
// not being stopped awaits a replacement. Called with p.mu held.
func (p *pool) endedLocked(e *executor, out outcome) {
	ev := container.Event{Executor: strconv.Itoa(e.id), Container: e.containerID, Host: e.host, ExitStatus: e.exitStatus}
	switch out {
	case outcomeSucceeded:
		ev.Type, ev.Message = container.EventExecutorCompleted, fmt.Sprintf("executor %d exited 0", e.id)
	case outcomeFailed:
		ev.Type = container.EventExecutorFailed
		ev.Message = fmt.Sprintf("executor %d (%s on %s) %s [failure %d of %d allowed]", e.id, e.containerID, e.host, e.diagnostics, p.failures, p.maxFailures)
	default:
		ev.Type = container.EventExecutorLost
		ev.Message = fmt.Sprintf("executor %d (%s on %s) %s", e.id, e.containerID, e.host, e.diagnostics)
	}
	p.events.add(ev)
	if out != outcomeSucceeded && !e.stopping {
		p.unreplaced = append(p.unreplaced, e.id)
	}
}

// counts returns the executors running (or starting), wanted but not
// allocated, and failed so far.
func (p *pool) counts() (running, pending, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.all {
		if e.live() && !e.stopping {
			running++
		}
	}
	return running, max(0, p.target-p.satisfiedLocked()), p.failures
}

// liveInfo is the Live part of the AM API's AppInfo.
func (m *master) liveInfo() container.Live {
	l := container.Live{User: m.spec.User, Queue: m.spec.Queue, StartedAt: m.startedAt, Attempt: m.attemptNo,
		MaxAttempts: m.maxAttempts, FailureBudget: m.pool.maxFailures, ExecutorMemoryMB: m.spec.Executor.MemoryMB,
		ExecutorCores: m.spec.Executor.Cores, AMContainer: m.amContainer, DriverLogURL: m.driverLogURL}
	l.Running, l.Pending, l.Failed = m.pool.counts()
	return l
}

// Events implements httpapi.Live.
func (m *master) Events(from int64) (container.EventPage, <-chan struct{}) {
	if m.events == nil {
		return container.EventPage{Events: []container.Event{}, Next: 1}, nil
	}
	return m.events.since(from)
}

// DriverOutput implements httpapi.Live; ok is false when the AM does not run
// the driver (client mode, or no driver).
func (m *master) DriverOutput(from int64, maxBytes int) (page container.OutputPage, changed <-chan struct{}, ok bool) {
	if m.output == nil {
		return container.OutputPage{}, nil, false
	}
	page, changed = m.output.since(from, maxBytes)
	return page, changed, true
}

// nmLogURL is the NodeManager web UI page of a container's logs.
func nmLogURL(scheme, nmHTTPAddr, containerID, user string) string {
	return fmt.Sprintf("%s://%s/node/containerlogs/%s/%s", scheme, nmHTTPAddr, containerID, user)
}

// setIdentity records who this attempt is, for the API and the events.
func (m *master) setIdentity(cid yarn.ContainerID, attempts int, nmHTTP, scheme string) {
	m.startedAt = time.Now()
	m.attemptNo, m.maxAttempts = int(cid.Attempt.Attempt), attempts
	m.amContainer = cid.String()
	if nmHTTP != "" {
		m.driverLogURL = nmLogURL(scheme, nmHTTP, m.amContainer, m.spec.User)
	}
}
