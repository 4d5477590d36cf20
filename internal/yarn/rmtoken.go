package yarn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

// RMDelegationTokenKind is the kind of ResourceManager delegation tokens.
const RMDelegationTokenKind = "RM_DELEGATION_TOKEN"

// Delegation-token methods of ApplicationClientProtocol.
const (
	rmMethodGetToken    = "getDelegationToken"
	rmMethodRenewToken  = "renewDelegationToken"
	rmMethodCancelToken = "cancelDelegationToken"
)

// DelegationToken asks the ResourceManager for a delegation token
// (getDelegationToken) that renewer may renew, and stamps it with service,
// the token service Hadoop clients look it up by (ClientRMProxy's
// getRMDelegationTokenService: the RM addresses as "ip:port", comma
// separated for HA). The RM issues tokens only over Kerberos
// authentication: use an ipc.Client configured with ipc.KerberosAuth.
// A driver in the application authenticates to the RM with it (SASL
// TOKEN/DIGEST-MD5) to query its own application.
func (r *ResourceManager) DelegationToken(ctx context.Context, renewer, service string) (ipc.Token, error) {
	if renewer == "" {
		return ipc.Token{}, errors.New("yarn: getDelegationToken: empty renewer (use the ResourceManager's principal)")
	}
	var resp commonpb.GetDelegationTokenResponseProto
	req := &commonpb.GetDelegationTokenRequestProto{Renewer: proto.String(renewer)}
	if err := r.call(ctx, rmMethodGetToken, req, &resp); err != nil {
		return ipc.Token{}, err
	}
	t := resp.GetToken()
	if t == nil {
		return ipc.Token{}, errors.New("yarn: getDelegationToken: the ResourceManager returned no token")
	}
	return ipc.TokenFromProto(t, RMDelegationTokenKind, service), nil
}

// RenewDelegationToken extends an RM delegation token and returns its new
// expiry time. Only the token's renewer may renew it.
func (r *ResourceManager) RenewDelegationToken(ctx context.Context, tok ipc.Token) (time.Time, error) {
	var resp commonpb.RenewDelegationTokenResponseProto
	if err := r.call(ctx, rmMethodRenewToken, &commonpb.RenewDelegationTokenRequestProto{Token: tok.Proto()}, &resp); err != nil {
		return time.Time{}, fmt.Errorf("yarn: renewing the RM delegation token: %w", err)
	}
	return time.UnixMilli(int64(resp.GetNewExpiryTime())), nil
}

// CancelDelegationToken revokes an RM delegation token.
func (r *ResourceManager) CancelDelegationToken(ctx context.Context, tok ipc.Token) error {
	if err := r.call(ctx, rmMethodCancelToken, &commonpb.CancelDelegationTokenRequestProto{Token: tok.Proto()},
		&commonpb.CancelDelegationTokenResponseProto{}); err != nil {
		return fmt.Errorf("yarn: cancelling the RM delegation token: %w", err)
	}
	return nil
}

// TokenCaller is a Caller that authenticates calls made without a token
// with Token instead, e.g. an RM delegation token (from the container's
// credentials) for a ResourceManager client inside a container, which has
// no Kerberos ticket: NewResourceManager(TokenCaller{c, tok}, addrs).
type TokenCaller struct {
	Caller Caller
	Token  *ipc.Token
}

// Call calls through to the wrapped Caller with tok, or Token if tok is nil.
func (c TokenCaller) Call(ctx context.Context, addr, protocol, method string, tok *ipc.Token, req, resp proto.Message) error {
	if tok == nil {
		tok = c.Token
	}
	return c.Caller.Call(ctx, addr, protocol, method, tok, req, resp)
}
