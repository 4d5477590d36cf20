package hdfsnn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

// resolveTimeout bounds the host lookup of TokenService.
const resolveTimeout = 5 * time.Second

// TokenService returns the service Hadoop stamps on a token for the server
// at addr ("host:port"), as SecurityUtil.buildTokenService does with
// hadoop.security.token.service.use_ip=true (the default): the server's IP
// address and port, e.g. "127.0.0.1:8020". If the host does not resolve,
// the host name is kept.
func TokenService(ctx context.Context, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("hdfsnn: token service for %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip != nil {
		return net.JoinHostPort(ip.String(), port), nil
	}
	lctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIPAddr(lctx, host)
	if err != nil || len(ips) == 0 {
		return net.JoinHostPort(host, port), nil
	}
	best := ips[0].IP
	for _, ip := range ips {
		if ip.IP.To4() != nil {
			best = ip.IP
			break
		}
	}
	return net.JoinHostPort(best.String(), port), nil
}

// HATokenService returns the service of tokens for an HA nameservice
// ("ha-hdfs:<nameservice>", HdfsConstants.HA_DT_SERVICE_PREFIX).
func HATokenService(nameservice string) string { return "ha-hdfs:" + nameservice }

// GetDelegationToken asks the NameNode for a delegation token that renewer
// may renew (for YARN: krb.TokenRenewer, the ResourceManager's principal,
// or the RM refuses to renew it at submission). The call must be
// authenticated with Kerberos: NameNodes issue tokens only to Kerberos
// (or web-authenticated) users.
func (n *NameNode) GetDelegationToken(ctx context.Context, renewer string) (ipc.Token, error) {
	if renewer == "" {
		return ipc.Token{}, errors.New("hdfsnn: getDelegationToken: empty renewer (use the ResourceManager's principal)")
	}
	var resp commonpb.GetDelegationTokenResponseProto
	req := &commonpb.GetDelegationTokenRequestProto{Renewer: proto.String(renewer)}
	if err := n.call(ctx, "getDelegationToken", req, &resp); err != nil {
		return ipc.Token{}, err
	}
	t := resp.GetToken()
	if t == nil {
		return ipc.Token{}, errors.New("hdfsnn: getDelegationToken: the NameNode returned no token (is security enabled on it?)")
	}
	return ipc.TokenFromProto(t, TokenKind, n.service), nil
}

// RenewDelegationToken extends tok and returns its new expiry time. Only
// the token's renewer may renew it.
func (n *NameNode) RenewDelegationToken(ctx context.Context, tok ipc.Token) (time.Time, error) {
	var resp commonpb.RenewDelegationTokenResponseProto
	if err := n.call(ctx, "renewDelegationToken", &commonpb.RenewDelegationTokenRequestProto{Token: tok.Proto()}, &resp); err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(int64(resp.GetNewExpiryTime())), nil
}

// CancelDelegationToken revokes tok. Its owner or renewer may cancel it.
func (n *NameNode) CancelDelegationToken(ctx context.Context, tok ipc.Token) error {
	return n.call(ctx, "cancelDelegationToken", &commonpb.CancelDelegationTokenRequestProto{Token: tok.Proto()}, &commonpb.CancelDelegationTokenResponseProto{})
}
