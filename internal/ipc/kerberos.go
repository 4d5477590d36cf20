package ipc

import (
	"context"
	"errors"
	"fmt"

	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
	"github.com/spindle-yarn/spindle/internal/sasl"
)

// KerberosAuth makes a Client authenticate its token-less connections with
// Kerberos (SASL KERBEROS/GSSAPI) instead of SIMPLE, for servers with
// hadoop.security.authentication=kerberos.
type KerberosAuth struct {
	// Session is the logged-in Kerberos client: a *krb.Session from
	// krb.Login.
	Session KerberosSession
	// ServerPrincipal returns the configured principal of the server that
	// speaks protocol, e.g. the value of yarn.resourcemanager.principal
	// ("rm/_HOST@EXAMPLE.COM") for ApplicationClientProtocolPB or of
	// dfs.namenode.kerberos.principal for ClientNamenodeProtocol. _HOST is
	// replaced by the host being dialed (krb.ServerPrincipal). As in Hadoop,
	// the principal the server announces must match it.
	ServerPrincipal func(protocol string) string
}

// KerberosSession is what a Kerberos connection needs from a login;
// *krb.Session implements it.
type KerberosSession interface {
	sasl.KerberosCredentials
	// Principal is the logged-in principal, the user of the connection.
	Principal() string
	// ServerPrincipal resolves a configured principal pattern for addr.
	ServerPrincipal(ctx context.Context, pattern, addr string) (string, error)
	// RealmOfHost returns the realm of a server host.
	RealmOfHost(host string) string
}

// gssMech drives the GSSAPI mechanism.
type gssMech struct {
	g   *sasl.GSSAPI
	spn string
}

func (m *gssMech) step(challenge []byte) ([]byte, error) { return m.g.Step(challenge) }

func (m *gssMech) finish(token []byte) (string, securityLayer, error) {
	if !m.g.Complete() {
		return "", nil, errors.New("sasl: server reported success before the GSSAPI exchange completed (no mutual authentication)")
	}
	if len(token) != 0 {
		return "", nil, errors.New("sasl: unexpected data in the server's GSSAPI SUCCESS message")
	}
	if q := m.g.QOP(); q != "auth" {
		return q, m.g, nil
	}
	return "auth", nil, nil
}

// startGSSAPI checks the server's announced principal against the
// configured one, then gets a service ticket and builds the AP-REQ.
func (cn *conn) startGSSAPI(ctx context.Context, auth *commonpb.RpcSaslProto_SaslAuth) (mechanism, []byte, error) {
	ka := cn.c.cfg.Kerberos
	spn, err := cn.serverPrincipal(ctx, auth)
	if err != nil {
		return nil, nil, err
	}
	g := sasl.NewGSSAPI(ka.Session, spn)
	g.SetQOPs(cn.c.qops...)
	g.Now = cn.c.cfg.kerberosClock
	g.Rand = cn.c.cfg.kerberosRand
	initial, err := g.Start(ctx)
	if err != nil {
		return nil, nil, err
	}
	return &gssMech{g: g, spn: spn}, initial, nil
}

// serverPrincipal resolves the configured principal for the address being
// dialed and checks it against the protocol/serverId the server announced,
// as Hadoop's SaslRpcClient.getServerPrincipal does.
func (cn *conn) serverPrincipal(ctx context.Context, auth *commonpb.RpcSaslProto_SaslAuth) (string, error) {
	ka := cn.c.cfg.Kerberos
	s := ka.Session
	pattern := ""
	if ka.ServerPrincipal != nil {
		pattern = ka.ServerPrincipal(cn.key.protocol)
	}
	if pattern == "" {
		return "", &krb.Error{Kind: krb.KindConfig, Msg: fmt.Sprintf(
			"no Kerberos principal is configured for %s at %s: set the server's *.principal key (e.g. yarn.resourcemanager.principal)", shortProtocol(cn.key.protocol), cn.addr)}
	}
	want, err := s.ServerPrincipal(ctx, pattern, cn.addr)
	if err != nil {
		return "", err
	}
	if auth.GetProtocol() == "" || auth.GetServerId() == "" {
		return want, nil // an old server that does not announce itself
	}
	got := auth.GetProtocol() + "/" + auth.GetServerId() + "@" + s.RealmOfHost(auth.GetServerId())
	if got != want {
		return "", &krb.Error{Kind: krb.KindServerPrincipal, Msg: fmt.Sprintf(
			"the server at %s is %s, but the configured principal %s resolves to %s: fix the principal setting (e.g. yarn.resourcemanager.principal) or the address", cn.addr, got, pattern, want)}
	}
	return want, nil
}

// kerberosError turns a server rejection during a Kerberos negotiation
// into a *krb.Error where it is recognisably a Kerberos problem.
func (cn *conn) kerberosError(err error) error {
	var re *RemoteError
	if !errors.As(err, &re) {
		return err
	}
	spn := "the server"
	if ka := cn.c.cfg.Kerberos; ka != nil && ka.ServerPrincipal != nil {
		spn = ka.ServerPrincipal(cn.key.protocol)
	}
	if ke := krb.FromServer(re.Message, spn, err); ke != nil {
		return ke
	}
	return err
}
