package client

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// maxSpreadNodes bounds the clusters over which the AM spreads node-local
// asks: on larger ones the NodeManagers' heartbeats come often enough that
// "anywhere" asks are not the bottleneck, and the asks would grow large.
const maxSpreadNodes = 256

// liveNodesAsync starts fetching the cluster's RUNNING nodes, when the
// application has executors, and returns the function that waits for them.
func (c *Cluster) liveNodesAsync(ctx context.Context, opts *Options) func() ([]spec.Node, error) {
	if opts.NumExecutors == 0 {
		return func() ([]spec.Node, error) { return nil, nil }
	}
	type answer struct {
		nodes []spec.Node
		err   error
	}
	ch := make(chan answer, 1)
	go func() {
		nctx, cancel := c.withRPCTimeout(ctx)
		defer cancel()
		reports, err := c.rm.ClusterNodes(nctx, yarnpb.NodeStateProto_NS_RUNNING)
		if err != nil {
			ch <- answer{err: fmt.Errorf("list the cluster's nodes: %w", err)}
			return
		}
		var nodes []spec.Node
		for _, n := range reports {
			nodes = append(nodes, spec.Node{ID: yarn.NodeAddress(n.GetNodeId()), Host: n.GetNodeId().GetHost(), Rack: n.GetRackName()})
		}
		ch <- answer{nodes: nodes}
	}()
	return func() ([]spec.Node, error) {
		a := <-ch
		return a.nodes, a.err
	}
}

// checkResources checks the resource types asked for against the cluster's
// (getResourceTypeInfo) and its maximum container size. It asks the RM only
// when there are any.
func (c *Cluster) checkResources(ctx context.Context, opts *Options, maxCap *yarnpb.ResourceProto) error {
	if len(opts.ExecutorResources) == 0 && len(opts.DriverResources) == 0 {
		return nil
	}
	rctx, cancel := c.withRPCTimeout(ctx)
	defer cancel()
	pbTypes, err := c.rm.ResourceTypes(rctx)
	if err != nil {
		return fmt.Errorf("ask the ResourceManager for its resource types: %w", err)
	}
	types := resourceTypesFromProto(pbTypes)
	var problems []string
	if opts.NumExecutors > 0 {
		problems = append(problems, checkResourceAmounts("executor-resource", opts.ExecutorResources, types, maxCap)...)
	}
	problems = append(problems, checkResourceAmounts("driver-resource", opts.DriverResources, types, maxCap)...)
	if len(problems) > 0 {
		return &UsageError{Problems: problems}
	}
	return nil
}

// checkPlacement checks node and rack preferences against the live nodes:
// without relaxed locality they must exist, or no executor could ever run.
func checkPlacement(opts *Options, live []spec.Node) error {
	p := opts.Placement
	if p.RelaxLocality || opts.NumExecutors == 0 {
		return nil
	}
	hosts, racks := map[string]bool{}, map[string]bool{}
	for _, n := range live {
		hosts[n.Host], racks[n.Rack] = true, true
	}
	var problems []string
	for _, h := range p.Nodes {
		if !hosts[h] {
			problems = append(problems, fmt.Sprintf("--conf %s: %q is not a RUNNING node of the cluster (its hosts: %s), and %s=false forbids running elsewhere: fix the name or allow other nodes",
				KeyExecutorNodes, h, strings.Join(keys(hosts), ", "), KeyRelaxLocality))
		}
	}
	for _, r := range p.Racks {
		if !racks[r] {
			problems = append(problems, fmt.Sprintf("--conf %s: no RUNNING node is in rack %q (the racks: %s), and %s=false forbids running elsewhere: fix the name or allow other racks",
				KeyExecutorRacks, r, strings.Join(keys(racks), ", "), KeyRelaxLocality))
		}
	}
	if len(problems) > 0 {
		return &UsageError{Problems: problems}
	}
	return nil
}

// specPlacement is what the AM is told about placement. The live nodes are
// passed on only where the AM spreads its asks over them: not with
// preferences, constraints or a node label (the nodes may lie outside its
// partition).
func specPlacement(o *Options, live []spec.Node) spec.Placement {
	p := o.Placement
	sp := spec.Placement{Nodes: p.Nodes, Racks: p.Racks, RelaxLocality: p.RelaxLocality, Scope: p.Scope, MaxPerScope: p.MaxPerScope}
	if len(p.Nodes) > 0 || len(p.Racks) > 0 {
		// The AM needs the racks of preferred nodes.
		for _, n := range live {
			for _, h := range p.Nodes {
				if n.Host == h {
					sp.LiveNodes = append(sp.LiveNodes, n)
				}
			}
		}
		return sp
	}
	if p.MaxPerScope > 0 || o.ExecutorNodeLabel != "" {
		return sp
	}
	if len(live) <= maxSpreadNodes {
		sp.LiveNodes = live
	}
	return sp
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
