package client

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// NodeInfo is one NodeManager as `spindle cluster` shows it.
type NodeInfo struct {
	ID            string `json:"id"`
	State         string `json:"state"`
	HTTPAddress   string `json:"httpAddress"`
	Rack          string `json:"rack"`
	Containers    int32  `json:"containers"`
	UsedMemoryMB  int64  `json:"usedMemoryMB"`
	TotalMemoryMB int64  `json:"totalMemoryMB"`
	UsedVCores    int32  `json:"usedVCores"`
	TotalVCores   int32  `json:"totalVCores"`
	Health        string `json:"health,omitempty"`
	// Resources are the node's resource types besides memory and vcores.
	Resources []NodeResource `json:"resources,omitempty"`
}

// Metrics are the cluster's NodeManager counts.
type Metrics struct {
	NodeManagers int32 `json:"nodeManagers"`
	Active       int32 `json:"active"`
	Decommission int32 `json:"decommissioned"`
	Lost         int32 `json:"lost"`
	Unhealthy    int32 `json:"unhealthy"`
	Rebooted     int32 `json:"rebooted"`
}

// QueueInfo is one scheduler queue.
type QueueInfo struct {
	Name            string   `json:"name"`
	State           string   `json:"state"`
	Capacity        float32  `json:"capacity"`
	MaximumCapacity float32  `json:"maximumCapacity"`
	CurrentCapacity float32  `json:"currentCapacity"`
	Children        []string `json:"children,omitempty"`
	Leaf            bool     `json:"leaf"`
}

// ClusterInfo is what `spindle cluster` prints.
type ClusterInfo struct {
	ResourceManager string      `json:"resourceManager"`
	Metrics         Metrics     `json:"metrics"`
	Nodes           []NodeInfo  `json:"nodes"`
	Queues          []QueueInfo `json:"queues"`
	// ResourceTypes are the types the RM schedules (empty from an RM
	// without getResourceTypeInfo, before Hadoop 3).
	ResourceTypes []ResourceTypeInfo `json:"resourceTypes,omitempty"`
}

// Info gathers the cluster's nodes, metrics and queues.
func (c *Cluster) Info(ctx context.Context) (*ClusterInfo, error) {
	ctx, cancel := c.withRPCTimeout(ctx)
	defer cancel()
	m, err := c.rm.ClusterMetrics(ctx)
	if err != nil {
		return nil, fmt.Errorf("get cluster metrics: %w", err)
	}
	info := &ClusterInfo{ResourceManager: c.rm.ActiveAddress(), Metrics: Metrics{
		NodeManagers: m.GetNumNodeManagers(), Active: m.GetNumActiveNms(), Decommission: m.GetNumDecommissionedNms(),
		Lost: m.GetNumLostNms(), Unhealthy: m.GetNumUnhealthyNms(), Rebooted: m.GetNumRebootedNms()}}
	nodes, err := c.rm.ClusterNodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list cluster nodes: %w", err)
	}
	for _, n := range nodes {
		info.Nodes = append(info.Nodes, NodeInfo{
			ID: yarn.NodeAddress(n.GetNodeId()), State: strings.TrimPrefix(n.GetNodeState().String(), "NS_"),
			HTTPAddress: n.GetHttpAddress(), Rack: n.GetRackName(), Containers: n.GetNumContainers(),
			UsedMemoryMB: n.GetUsed().GetMemory(), TotalMemoryMB: n.GetCapability().GetMemory(),
			UsedVCores: n.GetUsed().GetVirtualCores(), TotalVCores: n.GetCapability().GetVirtualCores(),
			Health: n.GetHealthReport(), Resources: nodeResources(n)})
	}
	sort.Slice(info.Nodes, func(i, j int) bool { return info.Nodes[i].ID < info.Nodes[j].ID })
	queues, err := c.Queues(ctx)
	if err != nil {
		return nil, err
	}
	info.Queues = queues
	if types, err := c.rm.ResourceTypes(ctx); err == nil { // Hadoop 2 RMs lack the call: show no types
		info.ResourceTypes = resourceTypesFromProto(types)
	}
	return info, nil
}

// Queues lists every queue below root, depth first.
func (c *Cluster) Queues(ctx context.Context) ([]QueueInfo, error) {
	root, err := c.rm.QueueInfo(ctx, "root", yarn.QueueInfoOptions{IncludeChildQueues: true, Recursive: true})
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	var out []QueueInfo
	var walk func(q *yarnpb.QueueInfoProto)
	walk = func(q *yarnpb.QueueInfoProto) {
		qi := QueueInfo{Name: q.GetQueueName(), State: strings.TrimPrefix(q.GetState().String(), "Q_"),
			Capacity: q.GetCapacity(), MaximumCapacity: q.GetMaximumCapacity(), CurrentCapacity: q.GetCurrentCapacity(),
			Leaf: len(q.GetChildQueues()) == 0}
		for _, ch := range q.GetChildQueues() {
			qi.Children = append(qi.Children, ch.GetQueueName())
		}
		out = append(out, qi)
		for _, ch := range q.GetChildQueues() {
			walk(ch)
		}
	}
	walk(root)
	return out, nil
}
