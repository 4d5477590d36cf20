package am

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
	"google.golang.org/protobuf/proto"
)

// allocCall is one Allocate the fake scheduler received.
type allocCall struct {
	asks     []*yarnpb.ResourceRequestProto
	releases []yarn.ContainerID
	exclude  yarn.Exclusions
}

// fakeScheduler answers Allocate from a queue of prepared results (an empty
// response once the queue is empty) and records every call.
type fakeScheduler struct {
	mu      sync.Mutex
	calls   []allocCall
	results []*yarn.AllocateResult
	errs    []error
	called  chan struct{}

	finished  []string // "STATUS diagnostics trackingURL" per Finish
	finishErr error
}

func newFakeScheduler() *fakeScheduler { return &fakeScheduler{called: make(chan struct{}, 1000)} }

func (f *fakeScheduler) queue(r *yarn.AllocateResult) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results = append(f.results, r)
	f.errs = append(f.errs, nil)
}

func (f *fakeScheduler) queueErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results = append(f.results, nil)
	f.errs = append(f.errs, err)
}

func (f *fakeScheduler) AllocateExcluding(_ context.Context, asks []*yarnpb.ResourceRequestProto, releases []yarn.ContainerID, ex yarn.Exclusions, _ float32) (*yarn.AllocateResult, error) {
	f.mu.Lock()
	defer func() { f.called <- struct{}{} }()
	defer f.mu.Unlock()
	f.calls = append(f.calls, allocCall{asks: asks, releases: append([]yarn.ContainerID(nil), releases...), exclude: ex})
	if len(f.results) == 0 {
		return &yarn.AllocateResult{Response: &yarnpb.AllocateResponseProto{}}, nil
	}
	r, err := f.results[0], f.errs[0]
	f.results, f.errs = f.results[1:], f.errs[1:]
	return r, err
}

func (f *fakeScheduler) Finish(_ context.Context, status yarnpb.FinalApplicationStatusProto, diagnostics, trackingURL string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finished = append(f.finished, status.String()+" "+diagnostics+" "+trackingURL)
	return f.finishErr
}

func (f *fakeScheduler) call(i int) allocCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[i]
}

func (f *fakeScheduler) numCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// fakeNMs records container starts and stops; startErr decides a start's outcome.
type fakeNMs struct {
	mu       sync.Mutex
	started  map[string]*yarnpb.ContainerLaunchContextProto
	stopped  []string
	startErr func(cid string) error
}

func newFakeNMs() *fakeNMs {
	return &fakeNMs{started: map[string]*yarnpb.ContainerLaunchContextProto{}}
}

func (n *fakeNMs) Start(_ context.Context, c *yarnpb.ContainerProto, clc *yarnpb.ContainerLaunchContextProto) error {
	cid := yarn.ContainerIDFromProto(c.GetId()).String()
	if n.startErr != nil {
		if err := n.startErr(cid); err != nil {
			return err
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.started[cid] = clc
	return nil
}

func (n *fakeNMs) Stop(_ context.Context, c *yarnpb.ContainerProto) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stopped = append(n.stopped, yarn.ContainerIDFromProto(c.GetId()).String())
	return nil
}

func (n *fakeNMs) startedCount() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.started)
}

var testAttempt = yarn.AttemptID{App: yarn.ApplicationID{ClusterTimestamp: 1700000000000, ID: 7}, Attempt: 1}

func containerID(seq int64) yarn.ContainerID { return yarn.NewContainerID(testAttempt, 0, seq) }

func allocatedContainer(seq int64) *yarnpb.ContainerProto {
	return &yarnpb.ContainerProto{Id: containerID(seq).Proto(),
		NodeId:          &yarnpb.NodeIdProto{Host: proto.String("node1"), Port: proto.Int32(45454)},
		NodeHttpAddress: proto.String("node1:8042")}
}

func completedStatus(seq int64, exit int32, diag string) *yarnpb.ContainerStatusProto {
	return &yarnpb.ContainerStatusProto{ContainerId: containerID(seq).Proto(), State: yarnpb.ContainerStateProto_C_COMPLETE.Enum(),
		ExitStatus: proto.Int32(exit), Diagnostics: proto.String(diag)}
}

func response(allocated []*yarnpb.ContainerProto, completed ...*yarnpb.ContainerStatusProto) *yarn.AllocateResult {
	return &yarn.AllocateResult{Response: &yarnpb.AllocateResponseProto{AllocatedContainers: allocated, CompletedContainerStatuses: completed}}
}

func quietLog() *logrus.Entry {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return logrus.NewEntry(l)
}

func newTestAllocator(target, maxFailures int) (*allocator, *fakeScheduler, *fakeNMs) {
	s, n := newFakeScheduler(), newFakeNMs()
	a := newAllocator(s, n, newPool(target, maxFailures, 2048), quietLog())
	a.user, a.memory, a.cores = "alice", 2048, 2
	a.launchContext = func(e *executor) (*yarnpb.ContainerLaunchContextProto, error) {
		return &yarnpb.ContainerLaunchContextProto{Command: []string{"executor " + e.containerID}}, nil
	}
	return a, s, n
}

// beat runs one heartbeat and waits for the launches it started.
func beat(t *testing.T, a *allocator) {
	t.Helper()
	if err := a.heartbeat(context.Background()); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	a.launches.Wait()
}

func askCount(t *testing.T, c allocCall) int32 {
	t.Helper()
	if len(c.asks) != 1 {
		t.Fatalf("asks = %v, want exactly one", c.asks)
	}
	return c.asks[0].GetNumContainers()
}

func releaseIDs(c allocCall) []string {
	var out []string
	for _, r := range c.releases {
		out = append(out, r.String())
	}
	return out
}

func TestAllocatorFirstAsk(t *testing.T) {
	a, s, _ := newTestAllocator(3, 5)
	a.label = "gpu"
	beat(t, a)
	c := s.call(0)
	if askCount(t, c) != 3 {
		t.Errorf("first ask = %d containers, want 3", askCount(t, c))
	}
	rr := c.asks[0]
	if rr.GetPriority().GetPriority() != 1 || rr.GetResourceName() != "*" || !rr.GetRelaxLocality() {
		t.Errorf("ask = %v", rr)
	}
	if rr.GetCapability().GetMemory() != 2048 || rr.GetCapability().GetVirtualCores() != 2 || rr.GetNodeLabelExpression() != "gpu" {
		t.Errorf("ask capability = %v label %q", rr.GetCapability(), rr.GetNodeLabelExpression())
	}
	if len(c.releases) != 0 {
		t.Errorf("releases = %v", c.releases)
	}
	// Unchanged: not sent again.
	beat(t, a)
	if c := s.call(1); c.asks != nil {
		t.Errorf("unchanged ask resent: %v", c.asks)
	}
}

func TestAllocatorLaunchesAndReleasesSurplus(t *testing.T) {
	a, s, n := newTestAllocator(2, 5)
	beat(t, a) // asks for 2
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(2), allocatedContainer(3), allocatedContainer(4)}))
	beat(t, a) // receives 3: launches 2, releases 1
	if n.startedCount() != 2 {
		t.Fatalf("started %d containers, want 2", n.startedCount())
	}
	for _, seq := range []int64{2, 3} {
		cid := containerID(seq).String()
		clc := n.started[cid]
		if clc == nil || clc.GetCommand()[0] != "executor "+cid {
			t.Errorf("container %s started with %v", cid, clc)
		}
	}
	infos := a.pool.Infos()
	if len(infos) != 2 || infos[0].State != stateRunning || infos[1].State != stateRunning {
		t.Errorf("pool = %+v", infos)
	}
	if want := "http://node1:8042/node/containerlogs/" + containerID(2).String() + "/alice"; infos[0].LogURL != want {
		t.Errorf("log URL = %q, want %q", infos[0].LogURL, want)
	}
	beat(t, a)
	c := s.call(2)
	if got := releaseIDs(c); len(got) != 1 || got[0] != containerID(4).String() {
		t.Errorf("released %v, want the surplus %s", got, containerID(4))
	}
	if c.asks != nil {
		t.Errorf("ask sent with nothing wanted: %v", c.asks)
	}
	beat(t, a)
	if c := s.call(3); len(c.releases) != 0 {
		t.Errorf("release sent twice: %v", c.releases)
	}
}

func TestAllocatorAskedTracksAllocations(t *testing.T) {
	a, s, _ := newTestAllocator(3, 5)
	beat(t, a) // ask 3
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(2)}))
	beat(t, a) // 1 allocated: the RM now has 2 outstanding, and we want 2
	beat(t, a)
	for i := 1; i <= 2; i++ {
		if c := s.call(i); c.asks != nil {
			t.Errorf("call %d resent the ask: %v", i, c.asks)
		}
	}
	// A failed executor is replaced: the total outstanding goes from 2 to 3.
	s.queue(response(nil, completedStatus(2, 1, "boom")))
	beat(t, a)
	beat(t, a)
	if got := askCount(t, s.call(4)); got != 3 {
		t.Errorf("ask after a failure = %d, want 3", got)
	}
	if a.pool.failures != 1 {
		t.Errorf("failures = %d", a.pool.failures)
	}
	// A successful executor is not replaced: no new ask.
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(5)}))
	beat(t, a)
	s.queue(response(nil, completedStatus(5, 0, "")))
	beat(t, a)
	beat(t, a)
	if c := s.call(7); c.asks != nil {
		t.Errorf("ask after a success: %v", c.asks)
	}
}

func TestAllocatorReregisteredResendsAsk(t *testing.T) {
	a, s, _ := newTestAllocator(2, 5)
	beat(t, a)
	s.queue(&yarn.AllocateResult{Response: &yarnpb.AllocateResponseProto{}, Reregistered: true})
	beat(t, a)
	beat(t, a)
	if got := askCount(t, s.call(2)); got != 2 {
		t.Errorf("ask after re-registering = %d, want the full 2", got)
	}
	beat(t, a)
	if c := s.call(3); c.asks != nil {
		t.Errorf("ask resent again: %v", c.asks)
	}
}

func TestAllocatorFailedAllocateKeepsReleasesAndAsk(t *testing.T) {
	a, s, _ := newTestAllocator(1, 5)
	beat(t, a) // ask 1
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(2), allocatedContainer(3)}))
	beat(t, a) // container 3 is surplus
	a.pool.SetTarget(2)
	s.queueErr(errors.New("connection reset"))
	if err := a.heartbeat(context.Background()); err == nil {
		t.Fatal("no error from a failed allocate")
	}
	beat(t, a)
	c := s.call(3)
	if got := releaseIDs(c); len(got) != 1 || got[0] != containerID(3).String() {
		t.Errorf("release after a failed allocate = %v", got)
	}
	if askCount(t, c) != 1 {
		t.Errorf("ask after a failed allocate = %v", c.asks)
	}
}

func TestAllocatorShutdown(t *testing.T) {
	a, s, _ := newTestAllocator(1, 5)
	s.queue(&yarn.AllocateResult{Response: &yarnpb.AllocateResponseProto{}, Shutdown: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err := a.run(ctx)
	cancel()
	if !errors.Is(err, errRMShutdown) {
		t.Errorf("run = %v, want errRMShutdown", err)
	}
}

func TestAllocatorLaunchFailure(t *testing.T) {
	a, s, n := newTestAllocator(1, 5)
	bad := containerID(2).String()
	n.startErr = func(cid string) error {
		if cid == bad {
			return errors.New("NodeManager said no")
		}
		return nil
	}
	beat(t, a)
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(2)}))
	beat(t, a)
	if a.pool.failures != 1 {
		t.Errorf("failures = %d, want 1", a.pool.failures)
	}
	info := a.pool.Infos()[0]
	if info.State != stateFailed || !strings.Contains(info.Diagnostics, "NodeManager said no") {
		t.Errorf("executor = %+v", info)
	}
	beat(t, a)
	c := s.call(2)
	if got := releaseIDs(c); len(got) != 1 || got[0] != bad {
		t.Errorf("released %v, want the container that failed to start", got)
	}
	if askCount(t, c) != 1 {
		t.Errorf("no replacement asked: %v", c.asks)
	}
	// The replacement starts fine.
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(3)}))
	beat(t, a)
	if n.startedCount() != 1 || len(a.pool.Live()) != 1 {
		t.Errorf("replacement: started %d, live %d", n.startedCount(), len(a.pool.Live()))
	}
}

func TestAllocatorBudgetExceededEndsRun(t *testing.T) {
	a, s, _ := newTestAllocator(1, 1)
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(2)}))
	s.queue(response(nil, completedStatus(2, 1, ""))) // failure 1: within the budget
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(3)}))
	s.queue(response(nil, completedStatus(3, exitKilledExceededPMem, "too big"))) // failure 2
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := a.run(ctx)
	a.launches.Wait()
	if err == nil || ctx.Err() != nil {
		t.Fatalf("run = %v (ctx %v), want the budget error", err, ctx.Err())
	}
	for _, w := range []string{"2 executor failures exceeded the budget of 1", "physical memory limit of 2048 MB"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not contain %q", err, w)
		}
	}
}

func TestAllocatorRunStopsWithContext(t *testing.T) {
	a, s, _ := newTestAllocator(0, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	<-s.called
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v, want nil on cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestAllocatorWakeAndStop(t *testing.T) {
	a, s, n := newTestAllocator(2, 5)
	beat(t, a)
	s.queue(response([]*yarnpb.ContainerProto{allocatedContainer(2), allocatedContainer(3)}))
	beat(t, a)
	stop := a.pool.SetTarget(1)
	a.stop(context.Background(), stop)
	if len(n.stopped) != 1 || n.stopped[0] != containerID(3).String() {
		t.Errorf("stopped %v, want the newest", n.stopped)
	}
	a.Wake()
	a.Wake() // never blocks
	// The stopped container's completion is no failure and is not replaced.
	s.queue(response(nil, completedStatus(3, exitKilledByAppMaster, "")))
	beat(t, a)
	beat(t, a)
	if a.pool.failures != 0 || a.pool.Wanted() != 0 {
		t.Errorf("failures %d wanted %d", a.pool.failures, a.pool.Wanted())
	}
	if s.call(2).asks != nil || s.call(3).asks != nil {
		t.Errorf("unexpected asks %v %v", s.call(2).asks, s.call(3).asks)
	}
	if s.numCalls() != 4 {
		t.Errorf("calls = %d", s.numCalls())
	}
}
