package client

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
	"google.golang.org/protobuf/proto"
)

// unitScale is each of YARN's resource units (Hadoop's UnitsConversionUtil)
// as a multiple of the plain unit "".
var unitScale = map[string]*big.Rat{
	"p": big.NewRat(1, 1e12), "n": big.NewRat(1, 1e9), "u": big.NewRat(1, 1e6), "m": big.NewRat(1, 1e3), "": big.NewRat(1, 1),
	"k": big.NewRat(1e3, 1), "M": big.NewRat(1e6, 1), "G": big.NewRat(1e9, 1), "T": big.NewRat(1e12, 1), "P": big.NewRat(1e15, 1),
	"Ki": big.NewRat(1<<10, 1), "Mi": big.NewRat(1<<20, 1), "Gi": big.NewRat(1<<30, 1), "Ti": big.NewRat(1<<40, 1), "Pi": big.NewRat(1<<50, 1),
}

func unitNames() []string {
	var out []string
	for u := range unitScale {
		if u != "" {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out
}

// convertUnits converts v from one unit to another, rounding down as YARN does.
func convertUnits(v int64, from, to string) (int64, error) {
	f, ok1 := unitScale[from]
	t, ok2 := unitScale[to]
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("cannot convert %q to %q", from, to)
	}
	r := new(big.Rat).SetInt64(v)
	r.Mul(r, f).Quo(r, t)
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if !q.IsInt64() {
		return 0, fmt.Errorf("%d%s is too large in %s", v, from, to)
	}
	return q.Int64(), nil
}

// ResourceTypeInfo is one resource type the ResourceManager schedules.
type ResourceTypeInfo struct {
	Name  string `json:"name"`
	Units string `json:"units,omitempty"`
}

func resourceTypesFromProto(in []*yarnpb.ResourceTypeInfoProto) []ResourceTypeInfo {
	var out []ResourceTypeInfo
	for _, t := range in {
		out = append(out, ResourceTypeInfo{Name: t.GetName(), Units: t.GetUnits()})
	}
	return out
}

// checkResourceAmounts checks amounts asked for with flag against the
// cluster's resource types and its maximum container size, and gives an
// amount without units the units of its type. Each problem names the key
// and the fix.
func checkResourceAmounts(flag string, amounts []ResourceAmount, types []ResourceTypeInfo, maxCap *yarnpb.ResourceProto) []string {
	var problems, names []string
	units := map[string]string{}
	for _, t := range types {
		units[t.Name] = t.Units
		if t.Name != yarn.ResourceMemory && t.Name != yarn.ResourceVCores {
			names = append(names, t.Name)
		}
	}
	known := "it has none besides memory and vcores"
	if len(names) > 0 {
		known = "its types are " + strings.Join(names, ", ")
	}
	for i := range amounts {
		a := &amounts[i]
		tu, ok := units[a.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("--%s %s (%s): the cluster has no resource type %q (%s; see resource-types.xml)", flag, a.Name, a.Key, a.Name, known))
			continue
		}
		if !a.UnitsGiven {
			a.Units = tu
		}
		v, err := convertUnits(a.Value, a.Units, tu)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--%s %s (%s): %v", flag, a.Name, a.Key, err))
			continue
		}
		if max, has := yarn.ResourceValue(maxCap, a.Name); has && v > max {
			problems = append(problems, fmt.Sprintf("--%s %s=%d%s (%s) is above the cluster's maximum container size of %d%s %s (yarn.resource-types.%s.maximum-allocation): ask for at most %d%s",
				flag, a.Name, a.Value, a.Units, a.Key, max, tu, a.Name, a.Name, max, tu))
		}
	}
	return problems
}

// resourceProto builds a YARN resource: memory, vcores and further types.
func resourceProto(memoryMB int64, cores int32, amounts []ResourceAmount) *yarnpb.ResourceProto {
	r := &yarnpb.ResourceProto{Memory: proto.Int64(memoryMB), VirtualCores: proto.Int32(cores)}
	for _, a := range amounts {
		r.ResourceValueMap = append(r.ResourceValueMap, &yarnpb.ResourceInformationProto{
			Key: proto.String(a.Name), Value: proto.Int64(a.Value), Units: proto.String(a.Units)})
	}
	return r
}

// NodeResource is a node's use of one resource type besides memory and vcores.
type NodeResource struct {
	Name  string `json:"name"`
	Used  int64  `json:"used"`
	Total int64  `json:"total"`
	Units string `json:"units,omitempty"`
}

// nodeResources lists a node's resource types besides memory and vcores.
func nodeResources(n *yarnpb.NodeReportProto) []NodeResource {
	var out []NodeResource
	for _, ri := range n.GetCapability().GetResourceValueMap() {
		name := ri.GetKey()
		if name == yarn.ResourceMemory || name == yarn.ResourceVCores {
			continue
		}
		used, _ := yarn.ResourceValue(n.GetUsed(), name)
		out = append(out, NodeResource{Name: name, Used: used, Total: ri.GetValue(), Units: ri.GetUnits()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
