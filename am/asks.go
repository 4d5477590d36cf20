package am

import (
	"sort"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/yarn"
	"google.golang.org/protobuf/proto"
)

// executorTag is the allocation tag of executor containers, which
// placement constraints count.
const executorTag = "spindle-executor"

// anyHost is the resource name of YARN's "anywhere" request.
const anyHost = "*"

// askPlan turns the number of executor containers wanted into what the
// allocate call carries: ResourceRequests at every locality level, or one
// SchedulingRequest when a placement constraint applies.
//
// Locality. Without preferences the plan asks, besides "*", for the total
// on every live host and rack (relaxed): YARN's CapacityScheduler assigns
// any number of node-local containers on one NodeManager heartbeat but only
// one "anywhere" container, so N executors on few nodes would otherwise take
// N heartbeats. The "*" total caps what is allocated. A host needs its
// rack's request too, or its containers are still placed off-switch.
// With preferred nodes or racks the plan asks there instead; without
// relaxed locality, "*" and the racks of preferred nodes carry
// relax_locality=false so that YARN places executors only where asked.
//
// Requests are totals that replace the previous ones, so the plan sends
// every level with the same total each time the allocator sends an ask.
type askPlan struct {
	capability *yarnpb.ResourceProto
	label      string
	relaxAny   bool
	// nodes are the live nodes by id (host:port) the asks are spread over,
	// or the preferred nodes (by host) with their racks.
	nodes map[string]spec.Node
	// spread is set when nodes are the live nodes, kept up to date from the
	// allocate responses' updated nodes.
	spread bool
	// racks are asked for as given (relaxed), strictRacks with relax_locality=false.
	racks       []string
	strictRacks bool
	// dropped are hosts and racks asked for before but no longer live: their
	// next ask is 0.
	dropped map[string]bool
	// constraint, when set, replaces the ResourceRequests by a SchedulingRequest.
	constraint *yarnpb.PlacementConstraintProto
}

// newAskPlan builds the plan for an application's executors.
func newAskPlan(app *spec.App) *askPlan {
	e, pl := app.Executor, app.Placement
	p := &askPlan{capability: executorResource(e), label: e.NodeLabel, relaxAny: true,
		nodes: map[string]spec.Node{}, dropped: map[string]bool{}}
	if pl.MaxPerScope > 0 {
		p.constraint = maxPerScope(pl.Scope, pl.MaxPerScope)
		return p
	}
	if len(pl.Nodes) == 0 && len(pl.Racks) == 0 {
		if p.spread = e.NodeLabel == ""; p.spread {
			for _, n := range pl.LiveNodes {
				p.nodes[nodeKey(n)] = n
			}
		}
		return p
	}
	racks := map[string]spec.Node{}
	for _, n := range pl.LiveNodes {
		racks[n.Host] = n
	}
	for _, h := range pl.Nodes {
		p.nodes[h] = spec.Node{Host: h, Rack: racks[h].Rack}
	}
	p.racks = pl.Racks
	p.relaxAny, p.strictRacks = pl.RelaxLocality, !pl.RelaxLocality
	return p
}

func nodeKey(n spec.Node) string {
	if n.ID != "" {
		return n.ID
	}
	return n.Host
}

// executorResource is an executor container's size with its resource types.
func executorResource(e spec.Process) *yarnpb.ResourceProto {
	r := &yarnpb.ResourceProto{Memory: proto.Int64(e.MemoryMB), VirtualCores: proto.Int32(e.Cores)}
	for _, a := range e.ResourceAmounts {
		r.ResourceValueMap = append(r.ResourceValueMap, &yarnpb.ResourceInformationProto{
			Key: proto.String(a.Name), Value: proto.Int64(a.Value), Units: proto.String(a.Units)})
	}
	return r
}

// maxPerScope is "at most max executors per node (rack)": a cardinality
// constraint on the executors' own tag. YARN counts the tags already on the
// node, so at most max means at most max-1 before placing; 1 is
// anti-affinity (NOTIN).
func maxPerScope(scope string, max int) *yarnpb.PlacementConstraintProto {
	return &yarnpb.PlacementConstraintProto{SimpleConstraint: &yarnpb.SimplePlacementConstraintProto{
		Scope: proto.String(scope),
		TargetExpressions: []*yarnpb.PlacementConstraintTargetProto{{
			TargetType:   yarnpb.PlacementConstraintTargetProto_ALLOCATION_TAG.Enum(),
			TargetValues: []string{executorTag}}},
		MinCardinality: proto.Int32(0),
		MaxCardinality: proto.Int32(int32(max - 1)),
	}}
}

// build returns the requests for a total of n outstanding containers.
func (p *askPlan) build(n int) ([]*yarnpb.ResourceRequestProto, []*yarnpb.SchedulingRequestProto) {
	if p.constraint != nil {
		return nil, []*yarnpb.SchedulingRequestProto{p.schedulingRequest(n)}
	}
	hosts, racks := p.locations()
	asks := make([]*yarnpb.ResourceRequestProto, 0, 1+len(hosts)+len(racks)+len(p.dropped))
	asks = append(asks, p.request(anyHost, n, p.relaxAny))
	for _, h := range hosts {
		asks = append(asks, p.request(h, n, true))
	}
	for _, r := range racks {
		asks = append(asks, p.request(r.name, n, r.relax))
	}
	for _, name := range sortedKeys(p.dropped) {
		asks = append(asks, p.request(name, 0, true))
	}
	clear(p.dropped)
	return asks, nil
}

type rackAsk struct {
	name  string
	relax bool
}

// locations are the hosts and racks asked for, sorted, without duplicates.
func (p *askPlan) locations() ([]string, []rackAsk) {
	hostSet, rackSet := map[string]bool{}, map[string]bool{}
	for _, n := range p.nodes {
		hostSet[n.Host] = true
		if n.Rack != "" {
			rackSet[n.Rack] = !p.strictRacks
		}
	}
	for _, r := range p.racks {
		rackSet[r] = true // a preferred rack is wanted as a whole
	}
	var racks []rackAsk
	for _, r := range sortedKeys(rackSet) {
		racks = append(racks, rackAsk{r, rackSet[r]})
	}
	return sortedKeys(hostSet), racks
}

func (p *askPlan) request(name string, n int, relax bool) *yarnpb.ResourceRequestProto {
	rr := &yarnpb.ResourceRequestProto{
		Priority:      &yarnpb.PriorityProto{Priority: proto.Int32(executorPriority)},
		ResourceName:  proto.String(name),
		Capability:    p.capability,
		NumContainers: proto.Int32(int32(n)),
		RelaxLocality: proto.Bool(relax),
	}
	if p.label != "" && name == anyHost { // YARN accepts a label on "*" only
		rr.NodeLabelExpression = proto.String(p.label)
	}
	return rr
}

// schedulingRequest is the constrained ask for n containers. Every field but
// the count must stay the same from one ask to the next: the RM refuses to
// change anything else.
func (p *askPlan) schedulingRequest(n int) *yarnpb.SchedulingRequestProto {
	return &yarnpb.SchedulingRequestProto{
		AllocationRequestId: proto.Int64(0),
		Priority:            &yarnpb.PriorityProto{Priority: proto.Int32(executorPriority)},
		ExecutionType: &yarnpb.ExecutionTypeRequestProto{ExecutionType: yarnpb.ExecutionTypeProto_GUARANTEED.Enum(),
			EnforceExecutionType: proto.Bool(true)},
		AllocationTags:      []string{executorTag},
		ResourceSizing:      &yarnpb.ResourceSizingProto{NumAllocations: proto.Int32(int32(n)), Resources: p.capability},
		PlacementConstraint: p.constraint,
	}
}

// nodesUpdated takes the allocate response's node changes: a node that
// starts RUNNING joins the spread, one that stops leaves it. It reports
// whether the asks must be sent again.
func (p *askPlan) nodesUpdated(reports []*yarnpb.NodeReportProto) bool {
	if !p.spread || len(reports) == 0 {
		return false
	}
	beforeHosts, beforeRacks := p.locations()
	for _, r := range reports {
		n := spec.Node{ID: yarn.NodeAddress(r.GetNodeId()), Host: r.GetNodeId().GetHost(), Rack: r.GetRackName()}
		if r.GetNodeState() == yarnpb.NodeStateProto_NS_RUNNING {
			p.nodes[n.ID] = n
		} else {
			delete(p.nodes, n.ID)
		}
	}
	hosts, racks := p.locations()
	changed := len(hosts) != len(beforeHosts) || len(racks) != len(beforeRacks)
	still := map[string]bool{}
	for _, h := range hosts {
		still[h] = true
	}
	for _, r := range racks {
		still[r.name] = true
	}
	for _, h := range beforeHosts {
		if !still[h] {
			p.dropped[h], changed = true, true
		}
	}
	for _, r := range beforeRacks {
		if !still[r.name] {
			p.dropped[r.name], changed = true, true
		}
	}
	return changed
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
