package client

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/spindle-yarn/spindle/internal/spec"
)

// Keys of resource types and placement. Resource amounts are
// spindle.executor.resource.NAME.amount and spindle.driver.resource.NAME.amount
// (spark.yarn.executor.resource.NAME.amount), set by --executor-resource
// NAME=AMOUNT and --driver-resource NAME=AMOUNT.
const (
	KeyExecutorResourcePrefix = "spindle.executor.resource."
	KeyDriverResourcePrefix   = "spindle.driver.resource."
	KeyResourceAmountSuffix   = ".amount"
	KeyExecutorNodes          = "spindle.executor.nodes"
	KeyExecutorRacks          = "spindle.executor.racks"
	KeyRelaxLocality          = "spindle.executor.relaxLocality"
	KeyPlacement              = "spindle.executor.placement"
	KeyAMNodeLabel            = "spindle.yarn.am.nodeLabelExpression"
	KeyExecutorNodeLabel      = "spindle.yarn.executor.nodeLabelExpression"
)

// resourceShortNames are the short names Spark also accepts.
var resourceShortNames = map[string]string{"gpu": "yarn.io/gpu", "fpga": "yarn.io/fpga"}

// ResourceAmount is an amount of a resource type other than memory and
// vcores, as asked for on the command line.
type ResourceAmount struct {
	// Name is the YARN resource type (gpu and fpga already mapped to yarn.io/gpu and yarn.io/fpga).
	Name string
	// Value is the amount in Units ("" for a plain count).
	Value int64
	Units string
	// UnitsGiven is false when the amount had no unit: it is in the type's own units.
	UnitsGiven bool
	// Key is the option key it came from, for error messages.
	Key string
}

// PlacementOptions are where executors go.
type PlacementOptions struct {
	Nodes         []string // preferred hosts
	Racks         []string // preferred racks
	RelaxLocality bool     // elsewhere when the preferred ones have no room
	// Constraint is spindle.executor.placement as given; Scope and
	// MaxPerScope its meaning (MaxPerScope 0: none).
	Constraint  string
	Scope       string
	MaxPerScope int
}

// placementSyntax is spindle.executor.placement's documented syntax.
const placementSyntax = "anti-affinity (one executor per node; also node-anti-affinity), rack-anti-affinity, max-per-node=N or max-per-rack=N"

var maxPerRE = regexp.MustCompile(`^max-per-(node|rack)=([0-9]+)$`)

// ParsePlacement parses spindle.executor.placement: "" for none,
// anti-affinity or node-anti-affinity (at most one executor per node),
// rack-anti-affinity, max-per-node=N, max-per-rack=N. It returns the scope
// and the maximum per scope.
func ParsePlacement(s string) (scope string, max int, err error) {
	v := strings.ToLower(strings.TrimSpace(s))
	switch v {
	case "":
		return "", 0, nil
	case "anti-affinity", "node-anti-affinity":
		return spec.ScopeNode, 1, nil
	case "rack-anti-affinity":
		return spec.ScopeRack, 1, nil
	}
	m := maxPerRE.FindStringSubmatch(v)
	if m == nil {
		return "", 0, fmt.Errorf("%q is not a placement: use %s", s, placementSyntax)
	}
	n, err := strconv.Atoi(m[2])
	if err != nil || n < 1 {
		return "", 0, fmt.Errorf("%q: the maximum must be a whole number >= 1", s)
	}
	return m[1], n, nil
}

// ParseResourceAmount parses a resource amount: a whole number with an
// optional unit of YARN's (k, M, G, T, P, Ki, Mi, Gi, Ti, Pi, m, u, n, p),
// such as 2 or 10Gi.
func ParseResourceAmount(s string) (int64, string, error) {
	v := strings.TrimSpace(s)
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil || n < 0 {
		return 0, "", fmt.Errorf("amount %q: want a whole number >= 0 with an optional unit, such as 1 or 10Gi", s)
	}
	units := strings.TrimSpace(v[i:])
	if _, ok := unitScale[units]; !ok {
		return 0, "", fmt.Errorf("amount %q: unknown unit %q (YARN's units: %s)", s, units, strings.Join(unitNames(), ", "))
	}
	return n, units, nil
}

// resolveResources reads spindle.<role>.resource.NAME.amount keys.
func (r *resolver) resolveResources(prefix, flag string) []ResourceAmount {
	var out []ResourceAmount
	seen := map[string]string{}
	for k, v := range r.conf {
		if !strings.HasPrefix(k, prefix) || !strings.HasSuffix(k, KeyResourceAmountSuffix) {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(k, prefix), KeyResourceAmountSuffix)
		if full, ok := resourceShortNames[name]; ok {
			name = full
		}
		switch name {
		case "", "memory", "memory-mb", "vcores", "cores":
			r.bad(flag, k, "set memory and vcores with --%s-memory and --%s-cores, not as a resource type", role(flag), role(flag))
			continue
		}
		if other, dup := seen[name]; dup {
			r.bad(flag, k, "%s is also set by %s: set it once", name, other)
			continue
		}
		seen[name] = k
		n, units, err := ParseResourceAmount(v)
		if err != nil {
			r.bad(flag, k, "%v", err)
			continue
		}
		out = append(out, ResourceAmount{Name: name, Value: n, Units: units, UnitsGiven: units != "", Key: k})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func role(flag string) string { return strings.TrimSuffix(flag, "-resource") }

// resolvePlacement reads resource types, node labels and placement.
func (r *resolver) resolvePlacement(o *Options) {
	o.ExecutorResources = r.resolveResources(KeyExecutorResourcePrefix, "executor-resource")
	o.DriverResources = r.resolveResources(KeyDriverResourcePrefix, "driver-resource")
	if len(o.DriverResources) > 0 && o.DeployMode == "client" {
		r.bad("driver-resource", KeyDriverResourcePrefix+"NAME"+KeyResourceAmountSuffix, "the driver runs on this machine in client mode: use --deploy-mode cluster to give its container resources")
	}
	o.AMNodeLabel, o.ExecutorNodeLabel = o.NodeLabel, o.NodeLabel
	if v, ok := r.conf[KeyAMNodeLabel]; ok {
		o.AMNodeLabel = strings.TrimSpace(v)
	}
	if v, ok := r.conf[KeyExecutorNodeLabel]; ok {
		o.ExecutorNodeLabel = strings.TrimSpace(v)
	}
	p := &o.Placement
	p.Nodes = splitNames(r.get(KeyExecutorNodes))
	p.Racks = splitNames(r.get(KeyExecutorRacks))
	p.RelaxLocality = true
	if v := r.get(KeyRelaxLocality); v != "" {
		p.RelaxLocality = r.boolVal("conf", KeyRelaxLocality)
	}
	p.Constraint = r.get(KeyPlacement)
	var err error
	if p.Scope, p.MaxPerScope, err = ParsePlacement(p.Constraint); err != nil {
		r.bad("conf", KeyPlacement, "%v", err)
	}
	if p.MaxPerScope > 0 && (len(p.Nodes) > 0 || len(p.Racks) > 0) {
		r.bad("conf", KeyPlacement, "a placement constraint cannot be combined with %s or %s (YARN's SchedulingRequests carry no locality): drop one of them", KeyExecutorNodes, KeyExecutorRacks)
	}
	if p.MaxPerScope > 0 && o.ExecutorNodeLabel != "" {
		r.bad("conf", KeyPlacement, "a placement constraint cannot be combined with an executor node label (%s): drop one of them", KeyExecutorNodeLabel)
	}
	if !p.RelaxLocality && len(p.Nodes) == 0 && len(p.Racks) == 0 {
		r.bad("conf", KeyRelaxLocality, "false needs %s or %s: say where executors must run", KeyExecutorNodes, KeyExecutorRacks)
	}
}

// specAmounts converts resource amounts for the spec.
func specAmounts(in []ResourceAmount) []spec.ResourceAmount {
	var out []spec.ResourceAmount
	for _, a := range in {
		out = append(out, spec.ResourceAmount{Name: a.Name, Value: a.Value, Units: a.Units})
	}
	return out
}
