package dynalloc

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const tick = 100 * time.Millisecond

// world simulates an application: executors start as soon as the target
// asks for them, each runs one task at a time for taskTime, and releases
// are carried out at once.
type world struct {
	t        *testing.T
	p        *Policy
	now      time.Time
	queued   int
	taskTime time.Duration
	execs    map[string]*simExec
	nextID   int
	changes  []string // "t=1s target 2" and "t=70s release 3"
}

type simExec struct {
	busyUntil time.Time // zero when idle
	idleSince time.Time
}

func newWorld(t *testing.T, cfg Config, taskTime time.Duration) *world {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, p: p, now: t0, taskTime: taskTime, execs: map[string]*simExec{}}
	w.startTo(p.Target())
	return w
}

func (w *world) startTo(n int) {
	for len(w.execs) < n {
		w.nextID++
		w.execs[fmt.Sprint(w.nextID)] = &simExec{idleSince: w.now}
	}
}

func (w *world) ids() []string {
	var ids []string
	for id := range w.execs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return len(ids[i]) < len(ids[j]) || len(ids[i]) == len(ids[j]) && ids[i] < ids[j] })
	return ids
}

// step advances the world by one tick.
func (w *world) step() Decision {
	w.now = w.now.Add(tick)
	load := Load{Pending: 0}
	for _, id := range w.ids() {
		e := w.execs[id]
		if !e.busyUntil.IsZero() && !w.now.Before(e.busyUntil) {
			e.idleSince, e.busyUntil = e.busyUntil, time.Time{}
		}
		if e.busyUntil.IsZero() && w.queued > 0 {
			w.queued--
			e.busyUntil = w.now.Add(w.taskTime)
		}
		busy := !e.busyUntil.IsZero()
		if busy {
			load.Running++
		}
		load.Executors = append(load.Executors, Executor{ID: id, Busy: busy, IdleSince: e.idleSince})
	}
	load.Pending = w.queued
	d := w.p.Update(w.now, load)
	at := w.now.Sub(t0)
	if d.Target != d.Previous {
		w.changes = append(w.changes, fmt.Sprintf("t=%v target %d", at, d.Target))
		if d.Reason == "" {
			w.t.Errorf("t=%v: target %d -> %d without a reason", at, d.Previous, d.Target)
		}
	}
	for _, r := range d.Releases {
		e := w.execs[r.ExecutorID]
		switch {
		case e == nil:
			w.t.Fatalf("t=%v: released unknown executor %s", at, r.ExecutorID)
		case !e.busyUntil.IsZero():
			w.t.Fatalf("t=%v: released busy executor %s", at, r.ExecutorID)
		case w.now.Sub(e.idleSince) < w.p.Config().ExecutorIdleTimeout:
			w.t.Fatalf("t=%v: released executor %s idle for only %v", at, r.ExecutorID, w.now.Sub(e.idleSince))
		case !strings.Contains(r.Reason, "idle"):
			w.t.Errorf("release reason %q does not say idle", r.Reason)
		}
		delete(w.execs, r.ExecutorID)
		w.changes = append(w.changes, fmt.Sprintf("t=%v release %s", at, r.ExecutorID))
	}
	w.startTo(d.Target)
	return d
}

func (w *world) runFor(d time.Duration) {
	for end := w.now.Add(d); w.now.Before(end); {
		w.step()
	}
}

func (w *world) busy() int {
	n := 0
	for _, e := range w.execs {
		if !e.busyUntil.IsZero() {
			n++
		}
	}
	return n
}

func TestRampUpAndDownWith200Tasks(t *testing.T) {
	w := newWorld(t, Config{MinExecutors: 1, MaxExecutors: 6, InitialExecutors: 1}, 2*time.Second)
	w.queued = 200
	w.runFor(5 * time.Second)
	// the first tick sees the backlog at 0.1s
	want := []string{"t=1.1s target 2", "t=2.1s target 4", "t=3.1s target 6"}
	if got := w.changes; strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("ramp-up = %v, want %v", got, want)
	}
	if len(w.execs) != 6 {
		t.Fatalf("%d executors after the ramp-up, want 6", len(w.execs))
	}
	// 200 tasks of 2s on 6 executors: drained after about 70s
	var drained time.Time
	for i := 0; i < 2000 && drained.IsZero(); i++ {
		w.step()
		if w.queued == 0 && w.busy() == 0 {
			drained = w.now
		}
		if len(w.execs) > 6 || w.p.Target() > 6 {
			t.Fatalf("t=%v: %d executors, target %d: above the maximum", w.now.Sub(t0), len(w.execs), w.p.Target())
		}
	}
	if drained.IsZero() {
		t.Fatal("the queue never drained")
	}
	if w.p.Target() != 1 || len(w.execs) != 6 {
		t.Fatalf("when drained: target %d with %d executors, want target 1 and all 6 still there", w.p.Target(), len(w.execs))
	}
	// step checks that every release is of an executor idle for 60s
	w.runFor(61 * time.Second)
	if len(w.execs) != 1 || w.p.Target() != 1 {
		t.Fatalf("61s after the drain: %d executors, target %d; want 1 and 1", len(w.execs), w.p.Target())
	}
	w.runFor(5 * time.Minute)
	if len(w.execs) != 1 {
		t.Fatalf("%d executors long after the drain, want minExecutors 1", len(w.execs))
	}
	t.Logf("timeline: %s (drained at t=%v)", strings.Join(w.changes, ", "), drained.Sub(t0))
}

func TestBusyExecutorNeverReleased(t *testing.T) {
	p, err := New(Config{MinExecutors: 0, InitialExecutors: 3, ExecutorIdleTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	execs := []Executor{{ID: "1", IdleSince: t0}, {ID: "2", Busy: true}, {ID: "3", IdleSince: t0.Add(time.Second)}}
	d := p.Update(t0.Add(30*time.Second), Load{Running: 1, Executors: execs})
	if d.Target != 1 || len(d.Releases) != 0 {
		t.Fatalf("at 30s: %+v, want target 1 and no releases (nobody idle for 60s)", d)
	}
	d = p.Update(t0.Add(61*time.Second), Load{Running: 1, Executors: execs})
	if len(d.Releases) != 2 || d.Releases[0].ExecutorID != "1" || d.Releases[1].ExecutorID != "3" {
		t.Fatalf("at 61s: releases %+v, want executors 1 and 3, longest idle first", d.Releases)
	}
	// the busy executor stays however long it works, even with min 0
	d = p.Update(t0.Add(time.Hour), Load{Running: 1, Executors: execs[1:2]})
	if len(d.Releases) != 0 || d.Target != 1 {
		t.Fatalf("busy executor alone: %+v, want it kept", d)
	}
	idle := []Executor{{ID: "2", IdleSince: t0.Add(time.Hour)}}
	if d = p.Update(t0.Add(time.Hour+59*time.Second), Load{Executors: idle}); len(d.Releases) != 0 || d.Target != 0 {
		t.Fatalf("59s after its task: %+v, want target 0 and no release yet", d)
	}
	if d = p.Update(t0.Add(time.Hour+60*time.Second), Load{Executors: idle}); len(d.Releases) != 1 {
		t.Fatalf("60s after its task: %+v, want it released (min 0)", d)
	}
}

func TestMinExecutorsKept(t *testing.T) {
	p, err := New(Config{MinExecutors: 2, InitialExecutors: 3})
	if err != nil {
		t.Fatal(err)
	}
	execs := []Executor{{ID: "a", IdleSince: t0}, {ID: "b", IdleSince: t0}, {ID: "c", IdleSince: t0}}
	d := p.Update(t0.Add(2*time.Minute), Load{Executors: execs})
	if d.Target != 2 || len(d.Releases) != 1 || d.Releases[0].ExecutorID != "a" {
		t.Fatalf("decision = %+v, want target 2 and one release", d)
	}
}

func TestRampCappedByNeed(t *testing.T) {
	w := newWorld(t, Config{MinExecutors: 1, MaxExecutors: 10}, time.Hour)
	w.queued = 3 // one starts at once on the first executor, 2 wait: 3 executors needed
	w.runFor(6 * time.Second)
	want := "t=1.1s target 2, t=2.1s target 3"
	if got := strings.Join(w.changes, ", "); got != want {
		t.Fatalf("changes = %s, want %s", got, want)
	}
}

func TestNeedWithTasksPerExecutor(t *testing.T) {
	p, err := New(Config{MaxExecutors: 100, TasksPerExecutor: 4, InitialExecutors: 1})
	if err != nil {
		t.Fatal(err)
	}
	var last Decision
	for i := 0; i <= 100; i++ {
		last = p.Update(t0.Add(time.Duration(i)*tick), Load{Pending: 10})
	}
	if last.Target != 3 {
		t.Fatalf("target for 10 tasks at 4 per executor = %d, want 3", last.Target)
	}
}

func TestBacklogMustLast(t *testing.T) {
	p, err := New(Config{MaxExecutors: 10, SchedulerBacklogTimeout: 5 * time.Second, SustainedSchedulerBacklogTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration, pending int) Decision { return p.Update(t0.Add(d), Load{Pending: pending}) }
	at(0, 5)
	at(4*time.Second, 5)
	at(4500*time.Millisecond, 0) // the backlog clears before the timeout
	at(5*time.Second, 5)         // and starts anew
	if d := at(9900*time.Millisecond, 5); d.Target != 0 {
		t.Fatalf("4.9s into the new backlog: target %d, want 0", d.Target)
	}
	if d := at(10*time.Second, 5); d.Target != 1 || !strings.Contains(d.Reason, "queued for 5s") {
		t.Fatalf("5s into the backlog: %+v, want target 1 with a reason", d)
	}
	if d := at(10900*time.Millisecond, 5); d.Target != 1 {
		t.Fatalf("0.9s later: target %d, want 1", d.Target)
	}
	if d := at(11*time.Second, 5); d.Target != 3 {
		t.Fatalf("a sustained interval later: target %d, want 3", d.Target)
	}
}

func TestInitialExecutorsUntilIdleTimeout(t *testing.T) {
	p, err := New(Config{MinExecutors: 1, InitialExecutors: 4})
	if err != nil {
		t.Fatal(err)
	}
	execs := []Executor{{ID: "1", IdleSince: t0}, {ID: "2", IdleSince: t0}, {ID: "3", IdleSince: t0}, {ID: "4", IdleSince: t0}}
	if d := p.Update(t0.Add(30*time.Second), Load{Executors: execs}); d.Target != 4 || d.Changed() {
		t.Fatalf("before any task: %+v, want the initial 4 kept", d)
	}
	d := p.Update(t0.Add(60*time.Second), Load{Executors: execs})
	if d.Target != 1 || len(d.Releases) != 3 {
		t.Fatalf("after the idle timeout: %+v, want target 1 and 3 releases", d)
	}
}

func TestParseConfig(t *testing.T) {
	cfg, on, err := ParseConfig(map[string]string{
		KeyEnabled: "true", KeyMinExecutors: "1", KeyMaxExecutors: "6",
		KeySchedulerBacklogTimeout: "2", KeyExecutorIdleTimeout: "90s", "spindle.other": "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{MinExecutors: 1, MaxExecutors: 6, InitialExecutors: 1, SchedulerBacklogTimeout: 2 * time.Second,
		SustainedSchedulerBacklogTimeout: 2 * time.Second, ExecutorIdleTimeout: 90 * time.Second, TasksPerExecutor: 1}
	if !on || cfg != want {
		t.Fatalf("ParseConfig = %+v, %t; want %+v, true", cfg, on, want)
	}
	cfg, on, err = ParseConfig(nil)
	if err != nil || on || cfg.MaxExecutors != DefaultMaxExecutors || cfg.ExecutorIdleTimeout != time.Minute {
		t.Fatalf("defaults = %+v, %t, %v", cfg, on, err)
	}
	for _, bad := range []map[string]string{
		{KeyEnabled: "yes please"},
		{KeyMaxExecutors: "0"},
		{KeyMinExecutors: "-1"},
		{KeyMinExecutors: "5", KeyMaxExecutors: "2"},
		{KeyInitialExecutors: "9", KeyMaxExecutors: "2"},
		{KeyExecutorIdleTimeout: "soon"},
		{KeySchedulerBacklogTimeout: "0s"},
		{KeyTasksPerExecutor: "0"},
	} {
		if _, _, err := ParseConfig(bad); err == nil {
			t.Errorf("ParseConfig(%v) succeeded, want an error", bad)
		} else if !strings.Contains(err.Error(), KeyPrefix) {
			t.Errorf("error %q does not name the key", err)
		}
	}
}
