package yarn

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

func TestRMResourceTypes(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.method != "getResourceTypeInfo" || c.protocol != ApplicationClientProtocol {
			return errors.New("unexpected " + c.protocol + " " + c.method)
		}
		return setResp(resp, &yarnpb.GetAllResourceTypeInfoResponseProto{ResourceTypeInfo: []*yarnpb.ResourceTypeInfoProto{
			{Name: proto.String("memory-mb"), Units: proto.String("Mi")},
			{Name: proto.String("vcores")},
			{Name: proto.String("yarn.io/gpu")},
		}})
	}}
	types, err := newTestRM(t, fc, "rm1").ResourceTypes(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rt := range types {
		names = append(names, rt.GetName()+"/"+rt.GetUnits())
	}
	if got := strings.Join(names, ","); got != "memory-mb/Mi,vcores/,yarn.io/gpu/" {
		t.Errorf("types = %s", got)
	}
}

func TestResourceValue(t *testing.T) {
	res := &yarnpb.ResourceProto{Memory: proto.Int64(512), VirtualCores: proto.Int32(2),
		ResourceValueMap: []*yarnpb.ResourceInformationProto{{Key: proto.String("yarn.io/gpu"), Value: proto.Int64(1)}}}
	for _, tc := range []struct {
		name string
		want int64
		ok   bool
	}{{ResourceMemory, 512, true}, {ResourceVCores, 2, true}, {ResourceGPU, 1, true}, {ResourceFPGA, 0, false}} {
		if v, ok := ResourceValue(res, tc.name); v != tc.want || ok != tc.ok {
			t.Errorf("ResourceValue(%s) = %d, %v; want %d, %v", tc.name, v, ok, tc.want, tc.ok)
		}
	}
}

func TestAllocateSchedulingSendsRequests(t *testing.T) {
	var got []*yarnpb.SchedulingRequestProto
	rm := &fakeRM{allocate: func(req *yarnpb.AllocateRequestProto, _ *yarnpb.AllocateResponseProto) error {
		got = req.GetSchedulingRequests()
		return nil
	}}
	fc := &fakeCaller{handler: rm.handle}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", 1, ""); err != nil {
		t.Fatal(err)
	}
	sr := &yarnpb.SchedulingRequestProto{AllocationRequestId: proto.Int64(1), AllocationTags: []string{"spindle-executor"},
		ResourceSizing: &yarnpb.ResourceSizingProto{NumAllocations: proto.Int32(3)}}
	if _, err := s.AllocateScheduling(ctx, nil, []*yarnpb.SchedulingRequestProto{sr}, nil, Exclusions{}, 0.1); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].GetResourceSizing().GetNumAllocations() != 3 {
		t.Errorf("scheduling requests sent: %v", got)
	}
	if _, err := s.Allocate(ctx, nil, nil, 0.1); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("a plain Allocate sent scheduling requests: %v", got)
	}
}

func TestAllocateSchedulingPlacementDisabled(t *testing.T) {
	// What Hadoop's DisabledPlacementProcessor answers.
	msg := "Found non empty SchedulingRequest in AllocateRequest for application=appattempt_1_0001_000001, but the configured yarn.resourcemanager.placement-constraints.handler cannot handle placement constraints. Rejecting this allocate operation"
	rm := &fakeRM{allocate: func(req *yarnpb.AllocateRequestProto, _ *yarnpb.AllocateResponseProto) error {
		if len(req.GetSchedulingRequests()) > 0 {
			return &ipc.RemoteError{ClassName: "org.apache.hadoop.yarn.exceptions.YarnException", Message: msg}
		}
		return nil
	}}
	s := newTestScheduler(t, &fakeCaller{handler: rm.handle})
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", 1, ""); err != nil {
		t.Fatal(err)
	}
	_, err := s.AllocateScheduling(ctx, nil, []*yarnpb.SchedulingRequestProto{{}}, nil, Exclusions{}, 0)
	if !errors.Is(err, ErrPlacementDisabled) || !strings.Contains(err.Error(), "Rejecting this allocate") {
		t.Fatalf("err = %v, want ErrPlacementDisabled with the RM's words", err)
	}
	if _, err := s.AllocateScheduling(ctx, nil, nil, nil, Exclusions{}, 0); err != nil {
		t.Errorf("without scheduling requests: %v", err)
	}
}
