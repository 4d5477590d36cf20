package spec

// ResourceAmount is an amount of a YARN resource type other than memory and
// vcores (yarn.io/gpu, yarn.io/fpga, a cluster's own types), in Units (""
// for a plain count; the RM converts units it knows).
type ResourceAmount struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
	Units string `json:"units,omitempty"`
}

// Node is a NodeManager's id (host:port), host and rack, as the
// ResourceManager reported it.
type Node struct {
	ID   string `json:"id,omitempty"`
	Host string `json:"host"`
	Rack string `json:"rack,omitempty"`
}

// Scopes of a placement constraint.
const (
	ScopeNode = "node"
	ScopeRack = "rack"
)

// Placement says where executors go.
//
// Nodes and Racks are preferences: with RelaxLocality YARN may place
// executors elsewhere when the preferred ones have no room; without it,
// only there. LiveNodes are the cluster's RUNNING nodes when the client
// submitted: the AM asks for executors on each of them as well as
// anywhere, since the scheduler hands out many node-local containers per
// NodeManager heartbeat but only one placed "anywhere".
//
// MaxPerScope > 0 is a placement constraint, sent as YARN
// SchedulingRequests: at most MaxPerScope executors per node (or rack, per
// Scope); 1 is anti-affinity.
type Placement struct {
	Nodes         []string `json:"nodes,omitempty"`
	Racks         []string `json:"racks,omitempty"`
	RelaxLocality bool     `json:"relaxLocality"`
	LiveNodes     []Node   `json:"liveNodes,omitempty"`
	Scope         string   `json:"scope,omitempty"`
	MaxPerScope   int      `json:"maxPerScope,omitempty"`
}
