package am

// snapshot returns the executor table as an attempt saves it.
func (p *pool) snapshot() *snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := &snapshot{NextID: p.nextID, Failures: p.failures, LastFailure: p.lastFailure,
		FailedAt: append(p.failedAt[:0:0], p.failedAt...)}
	for _, e := range p.all {
		s.Executors = append(s.Executors, savedExecutor{ID: e.id, ContainerID: e.containerID, Node: e.node, Host: e.host,
			LogURL: e.logURL, State: e.state, ExitStatus: e.exitStatus, Diagnostics: e.diagnostics,
			Started: e.started, Finished: e.finished})
	}
	return s
}

// restore loads the executor table an earlier attempt saved. Executors that
// were live then are live now until adopt says otherwise.
func (p *pool) restore(s *snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextID, p.failures, p.lastFailure = s.NextID, s.Failures, s.LastFailure
	p.failedAt = append(p.failedAt[:0:0], s.FailedAt...)
	p.all, p.byContainer = nil, map[string]*executor{}
	for _, r := range s.Executors {
		e := &executor{id: r.ID, containerID: r.ContainerID, node: r.Node, host: r.Host, logURL: r.LogURL, state: r.State,
			exitStatus: r.ExitStatus, diagnostics: r.Diagnostics, started: r.Started, finished: r.Finished}
		if e.state == stateStarting {
			e.state = stateRunning // its start request went out; adopt decides whether it runs
		}
		p.all = append(p.all, e)
		p.byContainer[e.containerID] = e
		p.nextID = max(p.nextID, e.id)
	}
	p.notifyLocked()
}

// keptContainer is a container YARN kept from an earlier attempt.
type keptContainer struct {
	id, node, host, logURL string
}

// adopt takes the containers YARN kept from earlier attempts. Executors of
// the table in them keep their ids; kept containers the table does not know
// (started after the last snapshot) become executors while they are wanted;
// live executors YARN did not keep were lost while no AM ran (not counted as
// failures). It returns the containers to release.
func (p *pool) adopt(kept []keptContainer) (release []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[string]bool{}
	var unknown []keptContainer
	for _, c := range kept {
		seen[c.id] = true
		if e := p.byContainer[c.id]; e != nil {
			e.state, e.stopping = stateRunning, false
			continue
		}
		unknown = append(unknown, c)
	}
	for _, e := range p.all {
		if e.live() && !seen[e.containerID] {
			e.state, e.finished = stateKilled, p.now()
			e.diagnostics = "lost while no ApplicationMaster was running"
		}
	}
	for _, c := range unknown {
		if p.satisfiedLocked() >= p.target {
			release = append(release, c.id)
			continue
		}
		p.nextID++
		e := &executor{id: p.nextID, containerID: c.id, node: c.node, host: c.host, logURL: c.logURL,
			state: stateRunning, started: p.now()}
		p.byContainer[c.id] = e
		p.all = append(p.all, e)
	}
	p.notifyLocked()
	return release
}
