package am

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/container"
)

func TestClassifyExit(t *testing.T) {
	for _, tc := range []struct {
		status  int
		diag    string
		stopped bool
		want    outcome
		why     []string
	}{
		{0, "", false, outcomeSucceeded, []string{"exited 0"}},
		{1, "", false, outcomeFailed, []string{"exited with code 1"}},
		{3, "", false, outcomeFailed, []string{"exited with code 3"}},
		{137, "", false, outcomeFailed, []string{"exited with code 137"}},
		{143, "Container killed on request", true, outcomeLost, []string{"stopped by the ApplicationMaster"}},
		{0, "", true, outcomeLost, []string{"stopped by the ApplicationMaster"}},
		{1, "", true, outcomeLost, []string{"stopped by the ApplicationMaster"}},
		{exitKilledExceededPMem, "Container [pid=1] is running beyond physical memory limits. Current usage: 2.1 GB of 2 GB\nDump of the process-tree", false, outcomeFailed,
			[]string{"physical memory limit of 2048 MB", "--executor-memory", "Current usage: 2.1 GB of 2 GB"}},
		{exitKilledExceededVMem, "beyond virtual memory limits", false, outcomeFailed,
			[]string{"virtual memory limit", "2048 MB", "--executor-memory", "yarn.nodemanager.vmem-check-enabled"}},
		{exitPreempted, "", false, outcomeLost, []string{"preempted"}},
		{exitKilledByResourceManager, "", false, outcomeLost, []string{"killed by the ResourceManager"}},
		{exitKilledAfterAppCompletion, "", false, outcomeLost, []string{"killed by the ResourceManager"}},
		{exitKilledByAppMaster, "", false, outcomeLost, []string{"ApplicationMaster's request"}},
		{exitAborted, "Container released on a *lost* node\nmore", false, outcomeLost, []string{"released or lost by YARN", "Container released on a *lost* node)"}},
		{exitDisksFailed, "", false, outcomeLost, []string{"disks failed"}},
		{exitInvalid, "no status\nsecond line", false, outcomeFailed, []string{"could not be launched by YARN (exit status -1000): no status"}},
	} {
		got, why := classifyExit(tc.status, tc.diag, 2048, tc.stopped)
		if got != tc.want {
			t.Errorf("classifyExit(%d, stopped=%v) = %v, want %v", tc.status, tc.stopped, got, tc.want)
		}
		for _, w := range tc.why {
			if !strings.Contains(why, w) {
				t.Errorf("classifyExit(%d): %q does not contain %q", tc.status, why, w)
			}
		}
		if strings.Contains(why, "\n") {
			t.Errorf("classifyExit(%d): multi-line reason %q", tc.status, why)
		}
	}
}

func TestFirstLine(t *testing.T) {
	if got := firstLine("a\nb"); got != "a" {
		t.Errorf("firstLine = %q", got)
	}
	long := strings.Repeat("x", 400)
	if got := firstLine(long); len(got) != 303 || !strings.HasSuffix(got, "...") {
		t.Errorf("long line: %d chars, suffix %q", len(got), got[len(got)-3:])
	}
	if got := firstLine(""); got != "" {
		t.Errorf("empty: %q", got)
	}
}

func TestDefaultFailureBudget(t *testing.T) {
	for n, want := range map[int]int{0: 3, 1: 3, 2: 4, 10: 20} {
		if got := defaultFailureBudget(n); got != want {
			t.Errorf("defaultFailureBudget(%d) = %d, want %d", n, got, want)
		}
	}
}

func assign(t *testing.T, p *pool, cid string) *executor {
	t.Helper()
	e := p.Assign(cid, "node:1", "host-"+cid, "http://log/"+cid)
	if e == nil {
		t.Fatalf("Assign(%s) = nil, want an executor", cid)
	}
	p.Running(cid)
	return e
}

func TestPoolAssignAndWanted(t *testing.T) {
	p := newPool(3, 5, 1024)
	if p.Wanted() != 3 || p.Target() != 3 {
		t.Fatalf("new pool: wanted %d target %d", p.Wanted(), p.Target())
	}
	ch := p.Changed()
	e1 := p.Assign("c1", "n1:45454", "n1", "http://n1/logs")
	select {
	case <-ch:
	default:
		t.Error("Assign did not signal a change")
	}
	if e1.id != 1 || e1.state != stateStarting || e1.containerID != "c1" || e1.node != "n1:45454" || e1.host != "n1" || e1.logURL != "http://n1/logs" {
		t.Errorf("executor 1 = %+v", e1)
	}
	if p.Wanted() != 2 {
		t.Errorf("wanted after one = %d", p.Wanted())
	}
	p.Running("c1")
	if e1.state != stateRunning {
		t.Errorf("state after Running = %s", e1.state)
	}
	p.Running("unknown") // no panic, no effect
	e2 := assign(t, p, "c2")
	e3 := assign(t, p, "c3")
	if e2.id != 2 || e3.id != 3 || p.Wanted() != 0 {
		t.Errorf("ids %d %d, wanted %d", e2.id, e3.id, p.Wanted())
	}
	if p.Assign("c4", "n", "h", "") != nil {
		t.Error("surplus container assigned")
	}
	if len(p.Live()) != 3 {
		t.Errorf("live = %d", len(p.Live()))
	}
}

func TestPoolCompletedOutcomes(t *testing.T) {
	p := newPool(2, 5, 1024)
	assign(t, p, "c1")
	assign(t, p, "c2")

	// A successful executor satisfies the target: it is not replaced.
	e, out, why := p.Completed("c1", 0, "")
	if e == nil || e.id != 1 || out != outcomeSucceeded || why != "exited 0" || e.state != stateCompleted {
		t.Errorf("success: %+v %v %q", e, out, why)
	}
	if e.exitStatus == nil || *e.exitStatus != 0 || e.finished.IsZero() {
		t.Errorf("success: exit status/finish time not recorded: %+v", e)
	}
	if p.Wanted() != 0 {
		t.Errorf("wanted after a success = %d, want 0", p.Wanted())
	}
	if p.Assign("c3", "n", "h", "") != nil {
		t.Error("a completed executor was replaced")
	}

	// A failed executor is replaced and counts against the budget.
	e, out, why = p.Completed("c2", 1, "")
	if out != outcomeFailed || e.state != stateFailed || !strings.Contains(why, "code 1") {
		t.Errorf("failure: %+v %v %q", e, out, why)
	}
	if p.Wanted() != 1 {
		t.Errorf("wanted after a failure = %d, want 1", p.Wanted())
	}
	e3 := assign(t, p, "c3")
	if e3.id != 3 {
		t.Errorf("replacement id = %d", e3.id)
	}

	// A lost (preempted) executor is replaced and does not count.
	e, out, _ = p.Completed("c3", exitPreempted, "")
	if out != outcomeLost || e.state != stateKilled {
		t.Errorf("preempted: %+v %v", e, out)
	}
	if p.Wanted() != 1 {
		t.Errorf("wanted after a loss = %d, want 1", p.Wanted())
	}
	if p.failures != 1 {
		t.Errorf("failures = %d, want 1 (the loss must not count)", p.failures)
	}

	// Unknown and repeated completions change nothing.
	if e, out, why := p.Completed("surplus", 1, ""); e != nil || out != outcomeLost || why != "" {
		t.Errorf("unknown container: %+v %v %q", e, out, why)
	}
	if e, _, why := p.Completed("c2", 1, ""); e == nil || why != "" {
		t.Errorf("repeated completion: %+v %q", e, why)
	}
	if p.failures != 1 {
		t.Errorf("failures after repeats = %d", p.failures)
	}
	if p.Succeeded() != 1 {
		t.Errorf("succeeded = %d", p.Succeeded())
	}
}

func TestPoolLaunchFailed(t *testing.T) {
	p := newPool(1, 5, 1024)
	p.Assign("c1", "n:1", "h", "")
	p.LaunchFailed("c1", errors.New("connection refused"))
	e := p.all[0]
	if e.state != stateFailed || e.diagnostics != "could not be started: connection refused" || p.failures != 1 {
		t.Errorf("launch failure: %+v failures=%d", e, p.failures)
	}
	if p.Wanted() != 1 {
		t.Errorf("wanted = %d, want a replacement", p.Wanted())
	}
	p.LaunchFailed("c1", errors.New("again")) // not live any more: ignored
	p.LaunchFailed("nope", errors.New("x"))
	if p.failures != 1 {
		t.Errorf("failures = %d", p.failures)
	}
}

func TestPoolFailureBudget(t *testing.T) {
	p := newPool(1, 2, 512)
	for i := 1; i <= 3; i++ {
		cid := "c" + strconv.Itoa(i)
		assign(t, p, cid)
		p.Completed(cid, exitKilledExceededPMem, "over")
		err := p.BudgetExceeded()
		if i <= 2 && err != nil {
			t.Fatalf("after %d failures (budget 2): %v", i, err)
		}
		if i == 3 {
			if err == nil {
				t.Fatal("3 failures with a budget of 2: no error")
			}
			for _, w := range []string{"3 executor failures exceeded the budget of 2", "spindle.executor.maxFailures",
				"executor 3 (c3 on host-c3)", "physical memory limit of 512 MB"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not contain %q", err, w)
				}
			}
		}
	}
	// Losses never exhaust the budget.
	p = newPool(1, 0, 512)
	for i := 0; i < 5; i++ {
		cid := fmt.Sprintf("l%d", i)
		assign(t, p, cid)
		p.Completed(cid, exitPreempted, "")
	}
	if err := p.BudgetExceeded(); err != nil {
		t.Errorf("preemptions exceeded the budget: %v", err)
	}
}

func TestPoolSetTarget(t *testing.T) {
	p := newPool(4, 5, 1024)
	for i := 1; i <= 4; i++ {
		assign(t, p, "c"+strconv.Itoa(i))
	}
	if stop := p.SetTarget(6); len(stop) != 0 || p.Wanted() != 2 {
		t.Errorf("scale up: stop %d, wanted %d", len(stop), p.Wanted())
	}
	stop := p.SetTarget(2) // from 6 wanted to 2 with 4 live: the 2 newest are stopped
	if len(stop) != 2 || stop[0].id != 4 || stop[1].id != 3 {
		var ids []int
		for _, e := range stop {
			ids = append(ids, e.id)
		}
		t.Fatalf("scale down stopped %v, want [4 3] (newest first)", ids)
	}
	for _, e := range stop {
		if !e.stopping {
			t.Errorf("executor %d not marked stopping", e.id)
		}
	}
	if p.Wanted() != 0 || p.Target() != 2 {
		t.Errorf("after scale down: wanted %d target %d", p.Wanted(), p.Target())
	}
	// Their end is not a failure, and they are not replaced.
	e, out, why := p.Completed("c4", 143, "")
	if out != outcomeLost || e.state != stateKilled || why != "stopped by the ApplicationMaster" {
		t.Errorf("stopped executor: %v %s %q", out, e.state, why)
	}
	p.Completed("c3", exitKilledByAppMaster, "")
	if p.failures != 0 || p.Wanted() != 0 {
		t.Errorf("failures %d wanted %d", p.failures, p.Wanted())
	}
	// Scaling down again does not pick executors already stopping or ended.
	if stop := p.SetTarget(1); len(stop) != 1 || stop[0].id != 2 {
		t.Errorf("second scale down = %v", stop)
	}
}

func TestPoolSetTargetKeepsCompleted(t *testing.T) {
	p := newPool(3, 5, 1024)
	for i := 1; i <= 3; i++ {
		assign(t, p, "c"+strconv.Itoa(i))
	}
	p.Completed("c3", 0, "")
	stop := p.SetTarget(2) // 2 live + 1 done satisfy 3; one live must go
	if len(stop) != 1 || stop[0].id != 2 {
		t.Errorf("stopped %v, want executor 2 (the newest live)", stop)
	}
}

func TestPoolStopAllAndAllDone(t *testing.T) {
	p := newPool(2, 5, 1024)
	if done, _ := p.AllDone(); done {
		t.Error("AllDone before any executor ran")
	}
	assign(t, p, "c1")
	assign(t, p, "c2")
	if done, _ := p.AllDone(); done {
		t.Error("AllDone with live executors")
	}
	p.Completed("c1", 0, "")
	p.Completed("c2", 2, "")
	if done, failed := p.AllDone(); done || failed != 1 {
		t.Errorf("one failed, not replaced yet: done=%v failed=%d", done, failed)
	}
	assign(t, p, "c3")
	p.Completed("c3", 0, "")
	if done, failed := p.AllDone(); !done || failed != 1 {
		t.Errorf("all done: done=%v failed=%d", done, failed)
	}

	p = newPool(3, 5, 1024)
	for i := 1; i <= 3; i++ {
		assign(t, p, "s"+strconv.Itoa(i))
	}
	p.Completed("s1", 0, "")
	stop := p.StopAll()
	if len(stop) != 2 || p.Target() != 0 || p.Wanted() != 0 {
		t.Errorf("StopAll: %d stopped, target %d, wanted %d", len(stop), p.Target(), p.Wanted())
	}
	for _, e := range stop {
		if !e.stopping {
			t.Errorf("executor %d not stopping", e.id)
		}
		p.Completed(e.containerID, 143, "")
	}
	if p.failures != 0 || len(p.Live()) != 0 {
		t.Errorf("after StopAll: failures %d live %d", p.failures, len(p.Live()))
	}
	if done, _ := p.AllDone(); !done {
		t.Error("not done after StopAll and all ended")
	}
}

func TestPoolInfosNumericOrder(t *testing.T) {
	p := newPool(11, 5, 1024)
	for i := 1; i <= 11; i++ {
		assign(t, p, fmt.Sprintf("container_%02d", i))
	}
	p.Completed("container_10", 7, "")
	infos := p.Infos()
	if len(infos) != 11 {
		t.Fatalf("%d infos", len(infos))
	}
	for i, info := range infos {
		if want := strconv.Itoa(i + 1); info.ID != want {
			t.Errorf("infos[%d].ID = %s, want %s", i, info.ID, want)
		}
	}
	ten := infos[9]
	if ten.State != stateFailed || ten.ExitStatus == nil || *ten.ExitStatus != 7 || ten.ContainerID != "container_10" ||
		ten.Host != "host-container_10" || ten.LogURL != "http://log/container_10" || ten.Diagnostics != "exited with code 7" ||
		ten.StartedAt.IsZero() || ten.FinishedAt.IsZero() {
		t.Errorf("info 10 = %+v", ten)
	}
	if infos[0].State != stateRunning || infos[0].ExitStatus != nil || !infos[0].FinishedAt.IsZero() {
		t.Errorf("info 1 = %+v", infos[0])
	}
}

// A launch lost (not the executor's fault) is an executor-lost event, not a
// failure, and the next executor is its replacement.
func TestPoolLaunchLostIsReplaced(t *testing.T) {
	p := newPool(1, 3, 1024)
	p.events = newEventLog()
	e := p.Assign("c1", "node1:8041", "node1", "")
	p.LaunchLost("c1", errors.New("connection refused"))
	if _, _, failed := p.counts(); failed != 0 {
		t.Errorf("%d failures counted for a lost launch", failed)
	}
	page, _ := p.events.since(1)
	if n := len(page.Events); n == 0 || page.Events[n-1].Type != container.EventExecutorLost ||
		!strings.Contains(page.Events[n-1].Message, "lost before it started: connection refused") {
		t.Fatalf("events after a lost launch: %+v", page.Events)
	}
	next := p.Assign("c2", "node1:8041", "node1", "")
	if next == nil || next.replaces != e.id {
		t.Fatalf("the next executor %+v does not replace executor %d", next, e.id)
	}
}
