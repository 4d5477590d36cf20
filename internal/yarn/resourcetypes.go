package yarn

import (
	"context"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

const rmMethodResourceTypes = "getResourceTypeInfo"

// Resource type names YARN always has, and the well-known optional ones.
const (
	ResourceMemory = "memory-mb"
	ResourceVCores = "vcores"
	ResourceGPU    = "yarn.io/gpu"
	ResourceFPGA   = "yarn.io/fpga"
)

// ResourceTypes returns the resource types the ResourceManager schedules
// (getResourceTypeInfo): always memory-mb and vcores, and those of the
// cluster's resource-types.xml such as yarn.io/gpu, each with its units.
func (r *ResourceManager) ResourceTypes(ctx context.Context) ([]*yarnpb.ResourceTypeInfoProto, error) {
	resp := &yarnpb.GetAllResourceTypeInfoResponseProto{}
	if err := r.call(ctx, rmMethodResourceTypes, &yarnpb.GetAllResourceTypeInfoRequestProto{}, resp); err != nil {
		return nil, err
	}
	return resp.GetResourceTypeInfo(), nil
}

// ResourceValue returns the amount of the named resource type in res, and
// whether res holds it: memory-mb and vcores come from their own fields
// (and from the value map when a newer RM puts them there), the others
// from the resource value map.
func ResourceValue(res *yarnpb.ResourceProto, name string) (int64, bool) {
	for _, ri := range res.GetResourceValueMap() {
		if ri.GetKey() == name {
			return ri.GetValue(), true
		}
	}
	switch name {
	case ResourceMemory:
		return res.GetMemory(), res.Memory != nil
	case ResourceVCores:
		return int64(res.GetVirtualCores()), res.VirtualCores != nil
	}
	return 0, false
}
