package am

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/am/dynalloc"
	"github.com/spindle-yarn/spindle/am/workqueue"
	"github.com/spindle-yarn/spindle/container"
)

// Dynamic allocation's timing.
const (
	// scaleTick is how often the policy is fed the queue's load.
	scaleTick = 250 * time.Millisecond
	// releaseGrace is how long a released executor has to exit by itself
	// (finish or return its lease) before its container is stopped.
	releaseGrace = 30 * time.Second
	// maxScaleEvents is how many decisions GET /api/v1/scale/events keeps.
	maxScaleEvents = 100
)

// scaler is dynamic allocation: every tick it feeds the work queue's load
// to the policy and carries out its decisions on the executor table.
type scaler struct {
	m      *master
	policy *dynalloc.Policy
	grace  time.Duration
	now    func() time.Time
	wg     sync.WaitGroup // releases waiting for their executors to exit
}

// newScaler returns the scaler of m with the given configuration.
func newScaler(m *master, cfg dynalloc.Config) (*scaler, error) {
	p, err := dynalloc.New(cfg)
	if err != nil {
		return nil, err
	}
	return &scaler{m: m, policy: p, grace: releaseGrace, now: time.Now}, nil
}

// run ticks until ctx ends, then waits for pending releases.
func (s *scaler) run(ctx context.Context) {
	c := s.policy.Config()
	s.m.log.Infof("dynamic allocation on: %d to %d executors, %d at first; backlog timeout %v (sustained %v), idle timeout %v",
		c.MinExecutors, c.MaxExecutors, c.InitialExecutors, c.SchedulerBacklogTimeout, c.SustainedSchedulerBacklogTimeout, c.ExecutorIdleTimeout)
	t := time.NewTicker(scaleTick)
	defer t.Stop()
	defer s.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.tick(ctx)
		}
	}
}

// tick takes one decision and carries it out.
func (s *scaler) tick(ctx context.Context) {
	now := s.now()
	d := s.policy.Update(now, s.load())
	if d.Target != d.Previous {
		s.m.pool.Retarget(d.Target)
		s.m.alloc.Wake()
		s.m.log.Infof("dynamic allocation: %s", d.Reason)
		s.record(container.ScaleEvent{Time: now, Target: d.Target, Reason: d.Reason})
	}
	for _, r := range d.Releases {
		e := s.m.pool.Release(r.ExecutorID)
		if e == nil {
			continue
		}
		s.m.log.Infof("dynamic allocation: releasing executor %s: %s", r.ExecutorID, r.Reason)
		s.record(container.ScaleEvent{Time: now, Target: d.Target, Release: r.ExecutorID, Reason: r.Reason})
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.awaitExit(ctx, e)
		}()
	}
}

// record keeps a decision where both APIs find it: the scaling decisions
// (GET /api/v1/scale/events, the latest maxScaleEvents) and the application's
// event log, whose bound it shares with every other event.
func (s *scaler) record(ev container.ScaleEvent) {
	s.m.scales.add(ev)
	s.m.events.add(container.Event{Type: container.EventScale, Executor: ev.Release, Message: ev.Reason})
}

// load is the policy's input: the queue's counts and the running executors
// that are not being released, with their activity.
func (s *scaler) load() dynalloc.Load {
	c := s.m.queue.Counts()
	acts := map[string]workqueue.Activity{}
	for _, a := range s.m.queue.Executors() {
		acts[a.ID] = a
	}
	load := dynalloc.Load{Pending: c.Queued, Running: c.Leased}
	for _, e := range s.m.pool.Active() {
		x := dynalloc.Executor{ID: e.id, IdleSince: e.started}
		if a, ok := acts[e.id]; ok {
			x.Busy, x.IdleSince = a.Busy(), a.IdleSince
		}
		load.Executors = append(load.Executors, x)
	}
	return load
}

// awaitExit gives a released executor the grace period to exit by itself,
// then stops its container.
func (s *scaler) awaitExit(ctx context.Context, e *executor) {
	timer := time.NewTimer(s.grace)
	defer timer.Stop()
	for {
		ch := s.m.pool.Changed()
		if _, live := s.m.pool.Stopping(e); !live {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-ch:
		case <-timer.C:
			s.m.log.Infof("dynamic allocation: executor %d did not exit within %v of its stop request: stopping its container", e.id, s.grace)
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			s.m.alloc.stop(sctx, []*executor{e})
			cancel()
			return
		}
	}
}

// scaleLog keeps the latest scaling decisions.
type scaleLog struct {
	mu  sync.Mutex
	evs []container.ScaleEvent
}

func (l *scaleLog) add(ev container.ScaleEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evs = append(l.evs, ev)
	if len(l.evs) > maxScaleEvents {
		l.evs = append(l.evs[:0], l.evs[len(l.evs)-maxScaleEvents:]...)
	}
}

// list returns a copy of the decisions, oldest first.
func (l *scaleLog) list() []container.ScaleEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]container.ScaleEvent(nil), l.evs...)
}

// dynamicConfig reads the application's dynamic allocation settings;
// enabled is false when it is off.
func dynamicConfig(conf map[string]string) (cfg dynalloc.Config, enabled bool, err error) {
	if len(conf) == 0 {
		return dynalloc.Config{}, false, nil
	}
	cfg, enabled, err = dynalloc.ParseConfig(conf)
	if err != nil {
		return dynalloc.Config{}, false, fmt.Errorf("dynamic allocation: %w", err)
	}
	return cfg, enabled, nil
}

// dynamicMaxExecutors is the maxExecutors of enabled dynamic allocation
// when it is a modest number (the failure budget grows with it), else 0.
func dynamicMaxExecutors(conf map[string]string) int {
	cfg, enabled, err := dynamicConfig(conf)
	if err != nil || !enabled || cfg.MaxExecutors > 1000 {
		return 0
	}
	return cfg.MaxExecutors
}
