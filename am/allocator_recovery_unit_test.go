package am

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
	"google.golang.org/protobuf/proto"
)

// A resync (or any re-registration) is not the end: the allocator keeps its
// executors and sends its whole ask and its unconfirmed releases again.
func TestAllocatorResyncResendsAsksAndReleases(t *testing.T) {
	a, s, _ := newTestAllocator(1, 5)
	beat(t, a) // ask 1
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(2), allocatedContainer(3)}))
	beat(t, a) // 2 runs, 3 is surplus
	beat(t, a) // sends the release of 3 (not yet confirmed)
	if got := releaseIDs(s.call(2)); len(got) != 1 || got[0] != containerID(3).String() {
		t.Fatalf("release = %v", got)
	}
	s.queue(&yarn.AllocateResult{Response: &yarnpb.AllocateResponseProto{}, Resync: true, Reregistered: true})
	beat(t, a) // the resync
	beat(t, a) // the heartbeat after it
	c := s.call(4)
	if got := releaseIDs(c); len(got) != 1 || got[0] != containerID(3).String() {
		t.Errorf("releases after the resync = %v, want the unconfirmed release of container 3 again", got)
	}
	if len(c.asks) != 1 || c.asks[0].GetNumContainers() != 0 {
		t.Errorf("asks after the resync = %v, want the whole ask table (0 outstanding)", c.asks)
	}
	if live := a.pool.Live(); len(live) != 1 || live[0].containerID != containerID(2).String() {
		t.Errorf("live executors after the resync = %v, want executor in container 2 kept", live)
	}
	// Once YARN reports the released container completed, it is not sent again.
	s.queue(response(nil, completedStatus(3, -100, "released")))
	beat(t, a)
	s.queue(&yarn.AllocateResult{Response: &yarnpb.AllocateResponseProto{}, Reregistered: true})
	beat(t, a)
	beat(t, a)
	if got := releaseIDs(s.call(7)); len(got) != 0 {
		t.Errorf("releases after a confirmed release and a re-registration = %v, want none", got)
	}
}

// An RM that cannot be reached for as long as the policy allows ends the
// application at once; other errors get a few tries.
func TestAllocatorGivesUpOnlyWhenThePolicyDoes(t *testing.T) {
	a, s, _ := newTestAllocator(1, 5)
	s.queueErr(&yarn.FailoverError{Method: "allocate"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := a.run(ctx)
	if err == nil || !strings.Contains(err.Error(), "yarn.resourcemanager.connect.max-wait.ms") {
		t.Fatalf("run = %v, want the end naming yarn.resourcemanager.connect.max-wait.ms", err)
	}
	if s.numCalls() != 1 {
		t.Errorf("allocate calls = %d, want 1", s.numCalls())
	}
}

// A container that cannot start because its NodeManager is unreachable (a
// restart) is lost, not failed.
func TestAllocatorNMUnreachableIsNotAFailure(t *testing.T) {
	a, s, n := newTestAllocator(1, 5)
	n.startErr = func(string) error {
		return &ipc.ConnectError{Addr: "node1:45454", Op: "dial", Err: errors.New("refused")}
	}
	beat(t, a)
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(2)}))
	beat(t, a)
	if a.pool.failures != 0 || a.pool.Wanted() != 1 {
		t.Errorf("failures %d, wanted %d; want 0 failures and a replacement wanted", a.pool.failures, a.pool.Wanted())
	}
}

func nodeContainer(seq int64, host string, port int32) *yarnpb.ContainerProto {
	c := allocatedContainer(seq)
	c.NodeId = &yarnpb.NodeIdProto{Host: proto.String(host), Port: proto.Int32(port)}
	return c
}

// Executors failing on one node exclude it: the RM is told, containers on it
// are given back at once, and when every node is excluded the application
// fails.
func TestAllocatorExcludesFailingNode(t *testing.T) {
	a, s, _ := newTestAllocator(1, 10)
	a.exclude = newExclusions(nil, 2, time.Hour, true)
	beat(t, a)
	s.queue(response([]*yarnpb.ContainerProto{nodeContainer(2, "h", 1)}))
	beat(t, a)
	s.queue(response(nil, completedStatus(2, 1, "boom")))
	beat(t, a)
	s.queue(response([]*yarnpb.ContainerProto{nodeContainer(3, "h", 1)}))
	beat(t, a)
	s.queue(&yarn.AllocateResult{Response: &yarnpb.AllocateResponseProto{CompletedContainerStatuses: []*yarnpb.ContainerStatusProto{completedStatus(3, 1, "boom")}, NumClusterNodes: proto.Int32(2)}})
	beat(t, a)
	beat(t, a)
	c := s.call(s.numCalls() - 1)
	if len(c.exclude.Add) != 1 || c.exclude.Add[0] != "h:1" {
		t.Fatalf("exclusions sent = %+v, want h:1 added", c.exclude)
	}
	select { // drain wakes from the failures above
	case <-a.wake:
	default:
	}
	s.queue(response([]*yarnpb.ContainerProto{nodeContainer(4, "h", 1)}))
	beat(t, a)
	select {
	case <-a.wake: // the release and the new ask go out at once, not a heartbeat later
	default:
		t.Error("a container on an excluded node did not wake the heartbeat loop to give it back")
	}
	beat(t, a)
	if got := releaseIDs(s.call(s.numCalls() - 1)); len(got) != 1 || got[0] != containerID(4).String() {
		t.Errorf("releases = %v, want the container on the excluded node given back", got)
	}
	if err := a.checkEnd(); err != nil {
		t.Fatalf("checkEnd with one of two nodes excluded = %v", err)
	}
	a.mu.Lock()
	a.nodes = 1
	a.mu.Unlock()
	if err := a.checkEnd(); err == nil || !strings.Contains(err.Error(), "every node of the cluster (1) is excluded") {
		t.Fatalf("checkEnd with every node excluded = %v", err)
	}
}

func TestExclusionsExpireAndHostNames(t *testing.T) {
	now := time.Unix(1000, 0)
	x := newExclusions([]string{"static1"}, 2, time.Minute, false)
	x.now = func() time.Time { return now }
	if x.failed("h:1") {
		t.Fatal("excluded after one failure")
	}
	if !x.failed("h:1") {
		t.Fatal("not excluded after two failures")
	}
	ex, sent := x.update()
	sent()
	if strings.Join(ex.Add, ",") != "h,static1" {
		t.Errorf("additions = %v, want the host name and the static node", ex.Add)
	}
	if !x.excluded("h:1", "h") || x.excluded("h:2", "other") {
		t.Error("excluded() is wrong")
	}
	now = now.Add(2 * time.Minute)
	ex, _ = x.update()
	if strings.Join(ex.Remove, ",") != "h" || len(ex.Add) != 0 {
		t.Errorf("after the timeout: %+v, want h removed", ex)
	}
	x.forget()
	ex, _ = x.update()
	if strings.Join(ex.Add, ",") != "static1" {
		t.Errorf("after forget: %+v, want the whole list again", ex)
	}
}

func TestPoolFailuresAgeOut(t *testing.T) {
	now := time.Unix(1000, 0)
	p := newPool(1, 1, 512)
	p.now = func() time.Time { return now }
	p.SetFailureValidity(time.Minute)
	for i := 0; i < 2; i++ {
		p.Assign("c"+string(rune('0'+i)), "n:1", "n", "")
		p.Completed("c"+string(rune('0'+i)), 1, "")
	}
	if err := p.BudgetExceeded(); err == nil {
		t.Fatal("2 failures within the interval do not exceed a budget of 1")
	}
	now = now.Add(2 * time.Minute)
	if err := p.BudgetExceeded(); err != nil {
		t.Fatalf("failures older than the interval still count: %v", err)
	}
}
