package secure

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/hdfsnn"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/krb"
)

// LoginOptions says how the client logs in; the zero value uses the ticket
// cache on a Kerberos cluster and the operating-system user otherwise.
type LoginOptions struct {
	// Principal and Keytab log in from a keytab (--principal/--keytab),
	// both or neither.
	Principal, Keytab string
	// ProxyUser makes every call act for this user (--proxy-user): Hadoop
	// impersonation, which the cluster must allow for the logged-in user.
	ProxyUser string
	// Getenv reads KRB5_CONFIG and KRB5CCNAME (nil: os.Getenv).
	Getenv func(string) string
}

// Identity is who Spindle is towards the cluster's servers.
type Identity struct {
	// Session is the Kerberos login; nil when the cluster uses SIMPLE
	// authentication.
	Session *krb.Session
	// User is the SIMPLE user (the configuration's), unused with Kerberos.
	User string
	// ProxyUser is the impersonated user, "" for none.
	ProxyUser string
	// Principal and Keytab are the keytab login, if the session came from
	// one; the keytab is shipped to the ApplicationMaster.
	Principal, Keytab string
}

// Login returns the identity conf asks for: a Kerberos login (ticket cache,
// or keytab with Principal and Keytab) when hadoop.security.authentication
// is kerberos, otherwise conf's SIMPLE user. Login errors are *krb.Error:
// one line naming the fix.
func Login(ctx context.Context, conf *hadoopconf.Conf, o LoginOptions) (*Identity, error) {
	id := &Identity{User: conf.User(), ProxyUser: strings.TrimSpace(o.ProxyUser)}
	if !krb.SecurityEnabled(conf) {
		return id, nil
	}
	s, err := krb.Login(ctx, krb.Options{Principal: o.Principal, Keytab: o.Keytab, Getenv: o.Getenv})
	if err != nil {
		return nil, err
	}
	id.Session = s
	if o.Keytab != "" {
		id.Principal, id.Keytab = s.Principal(), o.Keytab
	}
	return id, nil
}

// Kerberos reports whether the identity authenticates with Kerberos.
func (id *Identity) Kerberos() bool { return id != nil && id.Session != nil }

// EffectiveUser is the user the servers act for: the proxy user, else the
// Kerberos principal's short name (its first component), else User.
func (id *Identity) EffectiveUser() string {
	switch {
	case id.ProxyUser != "":
		return id.ProxyUser
	case id.Session != nil:
		return ShortName(id.Session.Principal())
	}
	return id.User
}

// ShortName is a principal's first component ("alice" for
// "alice@EXAMPLE.COM", "nn" for "nn/host@EXAMPLE.COM"), what Hadoop's
// DEFAULT auth_to_local rule maps a principal of the default realm to.
func ShortName(principal string) string {
	name, _, _ := strings.Cut(principal, "@")
	first, _, _ := strings.Cut(name, "/")
	return first
}

// IPC returns a Hadoop IPC client for conf authenticated as id: Kerberos
// (SASL GSSAPI) when id has a session, SIMPLE otherwise, with the qop of
// hadoop.rpc.protection and id's proxy user. base carries the timeouts.
func (id *Identity) IPC(conf *hadoopconf.Conf, base ipc.Config) *ipc.Client {
	base.User = id.User
	base.ProxyUser = id.ProxyUser
	base.Protection = conf.Get(krb.KeyRPCProtection)
	if id.Session != nil {
		base.Kerberos = &ipc.KerberosAuth{Session: id.Session, ServerPrincipal: ServerPrincipals(conf)}
	}
	return ipc.NewClient(base)
}

// ServerPrincipals maps an IPC protocol to its server's configured
// Kerberos principal: dfs.namenode.kerberos.principal for
// ClientNamenodeProtocol, yarn.resourcemanager.principal for the rest (the
// client talks to no other server with Kerberos).
func ServerPrincipals(conf *hadoopconf.Conf) func(protocol string) string {
	return func(protocol string) string {
		if protocol == hdfsnn.Protocol {
			return conf.Get(krb.KeyNameNodePrincipal)
		}
		return conf.Get(krb.KeyRMPrincipal)
	}
}

// Close forgets the Kerberos tickets.
func (id *Identity) Close() {
	if id != nil && id.Session != nil {
		id.Session.Close()
	}
}

// ErrorKind classifies the errors of this package.
type ErrorKind int

// Kinds of *Error.
const (
	// KindProxyRefused: the cluster does not let the logged-in user
	// impersonate the proxy user.
	KindProxyRefused ErrorKind = iota + 1
	// KindRenewerRejected: the ResourceManager could not renew the HDFS
	// delegation tokens of a submission (the renewer named in them is not
	// the ResourceManager).
	KindRenewerRejected
)

// Error is a credentials failure with a one-line message naming the fix.
type Error struct {
	Kind ErrorKind
	Msg  string
	Err  error
}

// Error returns the one-line message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ProxyRefused turns a server's refusal to let id impersonate its proxy
// user (an *ipc.AuthorizationError) into an *Error; other errors are
// returned as they are.
func (id *Identity) ProxyRefused(err error) error {
	var ae *ipc.AuthorizationError
	if id == nil || id.ProxyUser == "" || !errors.As(err, &ae) || !strings.Contains(ae.Message, "impersonate") {
		return err
	}
	real := id.User
	if id.Session != nil {
		real = id.Session.Principal()
	}
	return &Error{Kind: KindProxyRefused, Err: err, Msg: fmt.Sprintf(
		"--proxy-user %s: the cluster does not allow %s to impersonate %s: ask its administrator to set hadoop.proxyuser.%s.hosts and hadoop.proxyuser.%[4]s.groups in core-site.xml, or submit without --proxy-user",
		id.ProxyUser, real, id.ProxyUser, ShortName(real))}
}

// RenewalRejected returns an *Error when diagnostics, those of an
// application the ResourceManager failed at submission, say it could not
// renew the application's delegation tokens ("Failed to renew token:
// ..."), which happens when the tokens name another renewer than the
// ResourceManager's principal; nil otherwise.
func RenewalRejected(diagnostics, renewer string) error {
	if !strings.Contains(diagnostics, "Failed to renew token") {
		return nil
	}
	kind := "delegation"
	if strings.Contains(diagnostics, "HDFS_DELEGATION_TOKEN") {
		kind = "HDFS delegation"
	}
	return &Error{Kind: KindRenewerRejected, Err: errors.New(diagnostics), Msg: fmt.Sprintf(
		"HDFS token renewer rejected: the ResourceManager could not renew the application's %s token (renewer %s): the renewer must be the ResourceManager's principal: fix yarn.resourcemanager.principal or remove spindle.kerberos.tokenRenewer",
		kind, renewer)}
}
