package am

import "time"

// countFailureLocked records one executor failure that counts against the
// budget. p.mu must be held.
func (p *pool) countFailureLocked() {
	p.failures++
	p.failedAt = append(p.failedAt, p.now())
}

// recentFailuresLocked counts the failures within the validity interval
// (spindle.executor.failuresValidityInterval, Spark's
// spark.executor.failuresValidityInterval), dropping older ones; without an
// interval every failure counts. p.mu must be held.
func (p *pool) recentFailuresLocked() int {
	if p.validity <= 0 {
		return len(p.failedAt)
	}
	cut := p.now().Add(-p.validity)
	i := 0
	for i < len(p.failedAt) && !p.failedAt[i].After(cut) {
		i++
	}
	p.failedAt = p.failedAt[i:]
	return len(p.failedAt)
}

// SetFailureValidity makes failures older than d stop counting against the budget.
func (p *pool) SetFailureValidity(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.validity = d
}

// LaunchLost records that a container could not be started for a reason that
// is not the executor's fault (its NodeManager could not be reached, say while
// it restarts): the executor is lost, replaced and not counted as a failure.
func (p *pool) LaunchLost(containerID string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.byContainer[containerID]
	if e == nil || !e.live() {
		return
	}
	e.state, e.finished = stateKilled, p.now()
	e.diagnostics = "lost before it started: " + err.Error()
	p.endedLocked(e, outcomeLost)
	p.notifyLocked()
}
