package am

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
	"google.golang.org/protobuf/proto"
)

// askSummary is "name=count/relax[/label]" per request, in order.
func askSummary(asks []*yarnpb.ResourceRequestProto) string {
	var out []string
	for _, rr := range asks {
		s := fmt.Sprintf("%s=%d/%v", rr.GetResourceName(), rr.GetNumContainers(), rr.GetRelaxLocality())
		if rr.NodeLabelExpression != nil {
			s += "/" + rr.GetNodeLabelExpression()
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func planApp(p spec.Placement) *spec.App {
	return &spec.App{Executor: spec.Process{MemoryMB: 128, Cores: 1,
		ResourceAmounts: []spec.ResourceAmount{{Name: "yarn.io/gpu", Value: 1}}}, Placement: p}
}

func TestAskPlanSpreadsOverLiveNodes(t *testing.T) {
	p := newAskPlan(planApp(spec.Placement{RelaxLocality: true, LiveNodes: []spec.Node{
		{ID: "h1:1", Host: "h1", Rack: "/r1"}, {ID: "h2:1", Host: "h2", Rack: "/r1"}, {ID: "h2:2", Host: "h2", Rack: "/r1"}, {ID: "h3:1", Host: "h3", Rack: "/r2"}}}))
	asks, sreqs := p.build(8)
	if sreqs != nil {
		t.Errorf("scheduling requests without a constraint: %v", sreqs)
	}
	if got, want := askSummary(asks), "*=8/true h1=8/true h2=8/true h3=8/true /r1=8/true /r2=8/true"; got != want {
		t.Errorf("asks = %s\nwant   %s", got, want)
	}
	for _, rr := range asks {
		if v := rr.GetCapability().GetResourceValueMap(); rr.GetCapability().GetMemory() != 128 || len(v) != 1 || v[0].GetKey() != "yarn.io/gpu" || v[0].GetValue() != 1 {
			t.Errorf("%s: capability %v", rr.GetResourceName(), rr.GetCapability())
		}
	}
	// h3 goes away, h4 comes: h3 and its rack are cancelled once, h4 joins.
	changed := p.nodesUpdated([]*yarnpb.NodeReportProto{
		{NodeId: &yarnpb.NodeIdProto{Host: proto.String("h3"), Port: proto.Int32(1)}, RackName: proto.String("/r2"), NodeState: yarnpb.NodeStateProto_NS_LOST.Enum()},
		{NodeId: &yarnpb.NodeIdProto{Host: proto.String("h4"), Port: proto.Int32(1)}, RackName: proto.String("/r1"), NodeState: yarnpb.NodeStateProto_NS_RUNNING.Enum()},
	})
	if !changed {
		t.Error("node changes not reported")
	}
	asks, _ = p.build(5)
	if got, want := askSummary(asks), "*=5/true h1=5/true h2=5/true h4=5/true /r1=5/true /r2=0/true h3=0/true"; got != want {
		t.Errorf("after node changes: %s\nwant %s", got, want)
	}
	asks, _ = p.build(5)
	if strings.Contains(askSummary(asks), "h3") {
		t.Errorf("cancellation sent twice: %s", askSummary(asks))
	}
	// One of h2's two NodeManagers going away leaves the host asked for.
	if p.nodesUpdated([]*yarnpb.NodeReportProto{{NodeId: &yarnpb.NodeIdProto{Host: proto.String("h2"), Port: proto.Int32(2)},
		NodeState: yarnpb.NodeStateProto_NS_DECOMMISSIONED.Enum()}}) {
		t.Error("host h2 still has a node: no change expected")
	}
}

func TestAskPlanLabelOnlyOnAny(t *testing.T) {
	app := planApp(spec.Placement{RelaxLocality: true, LiveNodes: []spec.Node{{ID: "h1:1", Host: "h1", Rack: "/r1"}}})
	app.Executor.NodeLabel = "gpu"
	asks, _ := newAskPlan(app).build(2)
	// With a label the live nodes may lie outside its partition: no spread.
	if got := askSummary(asks); got != "*=2/true/gpu" {
		t.Errorf("asks = %s", got)
	}
	app.Placement = spec.Placement{Nodes: []string{"h1"}, RelaxLocality: true, LiveNodes: app.Placement.LiveNodes}
	asks, _ = newAskPlan(app).build(2)
	if got := askSummary(asks); got != "*=2/true/gpu h1=2/true /r1=2/true" {
		t.Errorf("asks = %s", got)
	}
}

func TestAskPlanPreferences(t *testing.T) {
	live := []spec.Node{{ID: "h1:1", Host: "h1", Rack: "/r1"}, {ID: "h2:1", Host: "h2", Rack: "/r2"}}
	relaxed := newAskPlan(planApp(spec.Placement{Nodes: []string{"h2"}, Racks: []string{"/r3"}, RelaxLocality: true, LiveNodes: live}))
	asks, _ := relaxed.build(3)
	if got, want := askSummary(asks), "*=3/true h2=3/true /r2=3/true /r3=3/true"; got != want {
		t.Errorf("relaxed: %s\nwant     %s", got, want)
	}
	// Strict: "*" and the preferred node's rack forbid relaxing; the
	// preferred rack is wanted as a whole.
	strict := newAskPlan(planApp(spec.Placement{Nodes: []string{"h2"}, Racks: []string{"/r1"}, RelaxLocality: false, LiveNodes: live}))
	asks, _ = strict.build(3)
	if got, want := askSummary(asks), "*=3/false h2=3/true /r1=3/true /r2=3/false"; got != want {
		t.Errorf("strict: %s\nwant    %s", got, want)
	}
	if strict.nodesUpdated([]*yarnpb.NodeReportProto{{NodeId: &yarnpb.NodeIdProto{Host: proto.String("h9")},
		NodeState: yarnpb.NodeStateProto_NS_RUNNING.Enum()}}) {
		t.Error("preferences do not follow node changes")
	}
}

func TestAskPlanConstraint(t *testing.T) {
	for _, tc := range []struct {
		scope string
		max   int
		card  int32
	}{{spec.ScopeNode, 1, 0}, {spec.ScopeNode, 3, 2}, {spec.ScopeRack, 1, 0}} {
		p := newAskPlan(planApp(spec.Placement{Scope: tc.scope, MaxPerScope: tc.max, RelaxLocality: true,
			LiveNodes: []spec.Node{{ID: "h1:1", Host: "h1"}}}))
		asks, sreqs := p.build(4)
		if len(asks) != 0 || len(sreqs) != 1 {
			t.Fatalf("%s/%d: %d asks, %d scheduling requests", tc.scope, tc.max, len(asks), len(sreqs))
		}
		sr := sreqs[0]
		sc := sr.GetPlacementConstraint().GetSimpleConstraint()
		te := sc.GetTargetExpressions()
		if sr.GetResourceSizing().GetNumAllocations() != 4 || sr.GetResourceSizing().GetResources().GetMemory() != 128 ||
			!reflect.DeepEqual(sr.GetAllocationTags(), []string{executorTag}) || sc.GetScope() != tc.scope ||
			sc.GetMinCardinality() != 0 || sc.GetMaxCardinality() != tc.card || len(te) != 1 ||
			te[0].GetTargetType() != yarnpb.PlacementConstraintTargetProto_ALLOCATION_TAG || te[0].TargetKey != nil ||
			!reflect.DeepEqual(te[0].GetTargetValues(), []string{executorTag}) ||
			sr.GetExecutionType().GetExecutionType() != yarnpb.ExecutionTypeProto_GUARANTEED {
			t.Errorf("%s/%d: %v", tc.scope, tc.max, sr)
		}
		// The RM accepts a changed request only if nothing but the count changed.
		_, again := p.build(1)
		again[0].ResourceSizing.NumAllocations = proto.Int32(4)
		if !proto.Equal(again[0], sr) {
			t.Errorf("%s/%d: the request changed beyond its count:\n%v\n%v", tc.scope, tc.max, again[0], sr)
		}
	}
}
