package am

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/yarn"
	"google.golang.org/protobuf/proto"
)

// placingFake is a fakeScheduler that also takes SchedulingRequests.
type placingFake struct {
	*fakeScheduler
	mu     sync.Mutex
	sreqs  [][]*yarnpb.SchedulingRequestProto
	reject error
}

func (p *placingFake) AllocateScheduling(ctx context.Context, asks []*yarnpb.ResourceRequestProto, sreqs []*yarnpb.SchedulingRequestProto, releases []yarn.ContainerID, ex yarn.Exclusions, progress float32) (*yarn.AllocateResult, error) {
	p.mu.Lock()
	p.sreqs = append(p.sreqs, sreqs)
	p.mu.Unlock()
	if p.reject != nil {
		return nil, p.reject
	}
	return p.fakeScheduler.AllocateExcluding(ctx, asks, releases, ex, progress)
}

func TestAllocatorSendsSchedulingRequests(t *testing.T) {
	a, s, _ := newTestAllocator(3, 10)
	pf := &placingFake{fakeScheduler: s}
	a.sched = pf
	a.plan = newAskPlan(&spec.App{Executor: spec.Process{MemoryMB: 256, Cores: 1}, Placement: spec.Placement{Scope: spec.ScopeNode, MaxPerScope: 1}})
	s.queue(&yarn.AllocateResult{Response: &yarnpb.AllocateResponseProto{AllocatedContainers: []*yarnpb.ContainerProto{allocatedContainer(2)},
		RejectedSchedulingRequests: []*yarnpb.RejectedSchedulingRequestProto{{Reason: yarnpb.RejectionReasonProto_RRP_COULD_NOT_PLACE_ON_NODE.Enum(),
			Request: &yarnpb.SchedulingRequestProto{ResourceSizing: &yarnpb.ResourceSizingProto{NumAllocations: proto.Int32(1)}}}}}})
	beat(t, a)
	beat(t, a)
	pf.mu.Lock()
	defer pf.mu.Unlock()
	if len(pf.sreqs) != 2 || len(pf.sreqs[0]) != 1 || pf.sreqs[0][0].GetResourceSizing().GetNumAllocations() != 3 {
		t.Fatalf("scheduling requests sent: %v", pf.sreqs)
	}
	// One allocated and one rejected: two are asked for again.
	if len(pf.sreqs[1]) != 1 || pf.sreqs[1][0].GetResourceSizing().GetNumAllocations() != 2 {
		t.Errorf("second heartbeat: %v, want a new ask for 2", pf.sreqs[1])
	}
	if c := s.call(0); len(c.asks) != 0 {
		t.Errorf("ResourceRequests sent beside the constraint: %v", c.asks)
	}
}

func TestAllocatorPlacementDisabledEndsTheLoop(t *testing.T) {
	a, s, _ := newTestAllocator(2, 10)
	a.sched = &placingFake{fakeScheduler: s, reject: errors.Join(yarn.ErrPlacementDisabled, errors.New("rejected by the RM"))}
	a.plan = newAskPlan(&spec.App{Executor: spec.Process{MemoryMB: 256, Cores: 1}, Placement: spec.Placement{Scope: spec.ScopeNode, MaxPerScope: 1}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := a.run(ctx)
	if !errors.Is(err, yarn.ErrPlacementDisabled) || !strings.Contains(err.Error(), "spindle.executor.placement") {
		t.Fatalf("run = %v, want the placement error at once, naming the option", err)
	}
}

func TestNextIntervalPacing(t *testing.T) {
	a, _, _ := newTestAllocator(0, 10)
	a.lastChange = time.Now()
	a.requests.sent(4) // asks outstanding, just sent
	if got := a.nextInterval(heartbeatFast); got != heartbeatPending {
		t.Errorf("asks pending: %v, want %v", got, heartbeatPending)
	}
	a.lastChange = time.Now().Add(-pendingBurst - time.Second)
	if got := a.nextInterval(heartbeatPending); got != heartbeatFast {
		t.Errorf("asks pending for long: %v, want %v", got, heartbeatFast)
	}
	a.requests.sent(0)
	if got := a.nextInterval(heartbeatFast); got != 2*heartbeatFast {
		t.Errorf("nothing pending or changing: %v, want a back-off to %v", got, 2*heartbeatFast)
	}
}
