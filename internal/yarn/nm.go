package yarn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// ContainerManagementProtocol method names.
const (
	nmMethodStart    = "startContainers"
	nmMethodStop     = "stopContainers"
	nmMethodStatuses = "getContainerStatuses"
)

// NodeAddress returns the "host:port" RPC address of a node, the form used
// to key NM tokens and to dial the NodeManager (for ContainerProto.nodeId).
func NodeAddress(n *yarnpb.NodeIdProto) string {
	return net.JoinHostPort(n.GetHost(), strconv.Itoa(int(n.GetPort())))
}

// TokenFromProto converts a Hadoop TokenProto to an ipc.Token, copying the
// byte slices. It returns nil for nil.
func TokenFromProto(p *commonpb.TokenProto) *ipc.Token {
	if p == nil {
		return nil
	}
	return &ipc.Token{
		Identifier: bytes.Clone(p.GetIdentifier()),
		Password:   bytes.Clone(p.GetPassword()),
		Kind:       p.GetKind(),
		Service:    p.GetService(),
	}
}

// TokenToProto converts an ipc.Token to a TokenProto (all four fields set,
// as the message requires), copying the byte slices. It returns nil for nil.
func TokenToProto(t *ipc.Token) *commonpb.TokenProto {
	if t == nil {
		return nil
	}
	return t.Proto()
}

// cloneToken deep-copies t.
func cloneToken(t *ipc.Token) *ipc.Token {
	if t == nil {
		return nil
	}
	c := *t
	c.Identifier = bytes.Clone(t.Identifier)
	c.Password = bytes.Clone(t.Password)
	return &c
}

// sameToken reports whether a and b carry the same identifier and password.
func sameToken(a, b *ipc.Token) bool {
	if a == nil || b == nil {
		return a == b
	}
	return bytes.Equal(a.Identifier, b.Identifier) && bytes.Equal(a.Password, b.Password) &&
		a.Kind == b.Kind && a.Service == b.Service
}

// NMTokenCache holds the newest NM token per node ("host:port"). The RM
// sends a node's NM token only once per application attempt (and again
// after its key rolls), so an ApplicationMaster must keep them; the
// Scheduler fills the cache from register and allocate responses and
// NodeManagers reads it.
//
// The zero value is an empty cache ready to use. It is safe for concurrent
// use. Tokens are copied in and out.
type NMTokenCache struct {
	mu     sync.RWMutex
	tokens map[string]*ipc.Token
}

// Put stores tok as the token for node, replacing any older one.
func (c *NMTokenCache) Put(node string, tok *ipc.Token) {
	if tok == nil {
		return
	}
	tok = cloneToken(tok)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokens == nil {
		c.tokens = make(map[string]*ipc.Token)
	}
	c.tokens[node] = tok
}

// Get returns a copy of the token for node.
func (c *NMTokenCache) Get(node string) (*ipc.Token, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.tokens[node]
	if !ok {
		return nil, false
	}
	return cloneToken(t), true
}

// Remove forgets the token for node.
func (c *NMTokenCache) Remove(node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.tokens, node)
}

// Nodes returns the nodes that have a token, sorted.
func (c *NMTokenCache) Nodes() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.tokens))
	for n := range c.tokens {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// AddProtos stores every NMTokenProto (as found in AllocateResponseProto
// and RegisterApplicationMasterResponseProto), later entries replacing
// earlier ones, and returns how many were stored. Entries without a node or
// token are skipped.
func (c *NMTokenCache) AddProtos(toks []*yarnpb.NMTokenProto) int {
	n := 0
	for _, t := range toks {
		if t.GetNodeId() == nil || t.GetToken() == nil {
			continue
		}
		c.Put(NodeAddress(t.GetNodeId()), TokenFromProto(t.GetToken()))
		n++
	}
	return n
}

// ContainerError is a per-container failure reported by a NodeManager in
// failed_requests.
type ContainerError struct {
	// Node is the NodeManager's "host:port".
	Node string
	// Container is the container the failure is about.
	Container ContainerID
	// Err is the NodeManager's exception, usually a *SerializedError.
	Err error
}

// Error names the node, the container and the exception.
func (e *ContainerError) Error() string {
	return fmt.Sprintf("yarn: node %s: container %s: %v", e.Node, e.Container, e.Err)
}

// Unwrap returns the NodeManager's exception.
func (e *ContainerError) Unwrap() error { return e.Err }

// ContainerResults is the outcome of a multi-container NodeManager call.
type ContainerResults struct {
	// Succeeded lists the containers the call worked for.
	Succeeded []ContainerID
	// Failed maps each failed container to a *ContainerError.
	Failed map[ContainerID]error
}

// failedMap converts failed_requests into ContainerErrors for node.
func failedMap(node string, failed []*yarnpb.ContainerExceptionMapProto) map[ContainerID]error {
	if len(failed) == 0 {
		return nil
	}
	m := make(map[ContainerID]error, len(failed))
	for _, f := range failed {
		id := ContainerIDFromProto(f.GetContainerId())
		var err error
		if ex := f.GetException(); ex != nil {
			err = SerializedErrorFromProto(ex)
		} else {
			err = errors.New("no exception given")
		}
		m[id] = &ContainerError{Node: node, Container: id, Err: err}
	}
	return m
}

// idsFromProtos converts container id protos.
func idsFromProtos(ps []*yarnpb.ContainerIdProto) []ContainerID {
	if len(ps) == 0 {
		return nil
	}
	out := make([]ContainerID, len(ps))
	for i, p := range ps {
		out[i] = ContainerIDFromProto(p)
	}
	return out
}

// idsToProtos converts container ids to protos.
func idsToProtos(ids []ContainerID) []*yarnpb.ContainerIdProto {
	out := make([]*yarnpb.ContainerIdProto, len(ids))
	for i, id := range ids {
		out[i] = id.Proto()
	}
	return out
}

// NodeManagers is a client of NodeManagers' ContainerManagementProtocol. It
// authenticates to each node with that node's NM token from an
// NMTokenCache (SASL TOKEN). It is safe for concurrent use.
type NodeManagers struct {
	caller Caller
	tokens *NMTokenCache
}

// NewNodeManagers returns a NodeManager client calling through c with NM
// tokens from tokens (usually the cache of the Scheduler, see
// Scheduler.NMTokens). A nil tokens gets an empty cache of its own.
func NewNodeManagers(c Caller, tokens *NMTokenCache) *NodeManagers {
	if tokens == nil {
		tokens = &NMTokenCache{}
	}
	return &NodeManagers{caller: c, tokens: tokens}
}

// NMTokens returns the token cache used.
func (n *NodeManagers) NMTokens() *NMTokenCache { return n.tokens }

// call invokes method on node with the node's NM token.
func (n *NodeManagers) call(ctx context.Context, node, method string, req, resp proto.Message) error {
	if n.caller == nil {
		return fmt.Errorf("yarn: %s on node %s: nil Caller", method, node)
	}
	tok, ok := n.tokens.Get(node)
	if !ok {
		return fmt.Errorf("yarn: %s on node %s: no NM token for the node", method, node)
	}
	if err := n.caller.Call(ctx, node, ContainerManagementProtocol, method, tok, req, resp); err != nil {
		return fmt.Errorf("yarn: %s on node %s: %w", method, node, err)
	}
	return nil
}

// StartContainers starts containers on node ("host:port", see NodeAddress).
// Each request needs the launch context and the container token copied
// byte-for-byte from the allocated ContainerProto. The RPC can succeed
// while single containers fail: those are in the result's Failed map as
// *ContainerError wrapping the NodeManager's *SerializedError. The returned
// error is for the call as a whole.
func (n *NodeManagers) StartContainers(ctx context.Context, node string, reqs []*yarnpb.StartContainerRequestProto) (*ContainerResults, error) {
	req := &yarnpb.StartContainersRequestProto{StartContainerRequest: reqs}
	resp := &yarnpb.StartContainersResponseProto{}
	if err := n.call(ctx, node, nmMethodStart, req, resp); err != nil {
		return nil, err
	}
	return &ContainerResults{
		Succeeded: idsFromProtos(resp.GetSucceededRequests()),
		Failed:    failedMap(node, resp.GetFailedRequests()),
	}, nil
}

// StopContainers stops containers on node; per-container failures are in
// the result's Failed map.
func (n *NodeManagers) StopContainers(ctx context.Context, node string, ids ...ContainerID) (*ContainerResults, error) {
	req := &yarnpb.StopContainersRequestProto{ContainerId: idsToProtos(ids)}
	resp := &yarnpb.StopContainersResponseProto{}
	if err := n.call(ctx, node, nmMethodStop, req, resp); err != nil {
		return nil, err
	}
	return &ContainerResults{
		Succeeded: idsFromProtos(resp.GetSucceededRequests()),
		Failed:    failedMap(node, resp.GetFailedRequests()),
	}, nil
}

// GetContainerStatuses returns the statuses of containers on node and, for
// the ones the node could not report on, a *ContainerError each.
func (n *NodeManagers) GetContainerStatuses(ctx context.Context, node string, ids ...ContainerID) ([]*yarnpb.ContainerStatusProto, map[ContainerID]error, error) {
	req := &yarnpb.GetContainerStatusesRequestProto{ContainerId: idsToProtos(ids)}
	resp := &yarnpb.GetContainerStatusesResponseProto{}
	if err := n.call(ctx, node, nmMethodStatuses, req, resp); err != nil {
		return nil, nil, err
	}
	return resp.GetStatus(), failedMap(node, resp.GetFailedRequests()), nil
}
