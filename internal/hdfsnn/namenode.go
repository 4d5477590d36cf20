package hdfsnn

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
)

// Protocol is ClientNamenodeProtocol's IPC name
// (HdfsConstants.CLIENT_NAMENODE_PROTOCOL_NAME).
const Protocol = "org.apache.hadoop.hdfs.protocol.ClientProtocol"

// TokenKind is the kind of HDFS delegation tokens.
const TokenKind = "HDFS_DELEGATION_TOKEN"

// Caller is the part of *ipc.Client the NameNode client uses.
type Caller interface {
	Call(ctx context.Context, addr, protocol, method string, tok *ipc.Token, req, resp proto.Message) error
}

// Compile-time check that the real IPC client satisfies Caller.
var _ Caller = (*ipc.Client)(nil)

// NameNode is a client of one HDFS namespace: a NameNode, or the NameNodes
// of an HA nameservice, tried in order (a standby or unreachable NameNode
// makes the call move on to the next). It is safe for concurrent use.
type NameNode struct {
	caller  Caller
	addrs   []string
	service string     // token service for tokens this namespace issues
	tok     *ipc.Token // nil: the Caller's own authentication (Kerberos)
}

// New returns a client for the NameNode(s) at addrs ("host:port"). service
// is the token service stamped on delegation tokens it fetches: use
// TokenService(addr) for a single NameNode and HATokenService(nameservice)
// for an HA nameservice.
func New(c Caller, addrs []string, service string) (*NameNode, error) {
	if c == nil {
		return nil, errors.New("hdfsnn: New: nil Caller")
	}
	if len(addrs) == 0 {
		return nil, errors.New("hdfsnn: New: no NameNode address (check fs.defaultFS and dfs.namenode.rpc-address)")
	}
	return &NameNode{caller: c, addrs: append([]string(nil), addrs...), service: service}, nil
}

// WithToken returns a client that authenticates with the HDFS delegation
// token tok (SASL TOKEN/DIGEST-MD5) instead of the Caller's Kerberos
// credentials, as inside a container.
func (n *NameNode) WithToken(tok ipc.Token) *NameNode {
	c := *n
	c.tok = &tok
	return &c
}

// call invokes method, failing over across the NameNodes on standby and
// connection errors.
func (n *NameNode) call(ctx context.Context, method string, req, resp proto.Message) error {
	var errs []error
	for _, addr := range n.addrs {
		proto.Reset(resp)
		err := n.caller.Call(ctx, addr, Protocol, method, n.tok, req, resp)
		if err == nil {
			return nil
		}
		var se *ipc.StandbyError
		if !errors.As(err, &se) && !ipc.IsConnectError(err) || ctx.Err() != nil {
			return fmt.Errorf("hdfsnn: %s: %w", method, err)
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("hdfsnn: %s: no NameNode answered: %w", method, errors.Join(errs...))
}
