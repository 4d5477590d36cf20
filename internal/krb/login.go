package krb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// Options says where Login finds Kerberos credentials. The zero value logs
// in from the default ticket cache with the default configuration.
type Options struct {
	// Principal and Keytab select a login from a keytab ("alice@EXAMPLE.COM"
	// or "alice" for the default realm; "svc/host@EXAMPLE.COM" for
	// services), as spark-submit's --principal/--keytab. Both or neither.
	Principal string
	Keytab    string
	// CCache overrides KRB5CCNAME for a login from a ticket cache: a path,
	// optionally with the "FILE:" prefix.
	CCache string
	// ConfigPath overrides KRB5_CONFIG (default /etc/krb5.conf).
	ConfigPath string
	// Getenv reads environment variables (KRB5_CONFIG, KRB5CCNAME); nil
	// means os.Getenv.
	Getenv func(string) string
}

// Session is a logged-in Kerberos client. It is safe for concurrent use.
type Session struct {
	cl         *client.Client
	cfg        *config.Config
	cname      types.PrincipalName
	realm      string
	source     string    // "keytab <path>" or "ticket cache <path>"
	keytab     string    // keytab path, "" for a cache
	expires    time.Time // end time of the TGT
	configPath string
}

// Login logs in as Options says: from a keytab if Principal and Keytab are
// set (an AS exchange with the KDC), otherwise from the ticket cache
// (KRB5CCNAME, default /tmp/krb5cc_<uid>), whose ticket-granting ticket
// must not have expired. Errors are *Error with a one-line fix.
func Login(ctx context.Context, opts Options) (*Session, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if (opts.Principal == "") != (opts.Keytab == "") {
		return nil, newError(KindConfig, nil, "a keytab login needs both --principal and --keytab (got principal %q, keytab %q)", opts.Principal, opts.Keytab)
	}
	cfg, cfgPath, err := LoadConfig(opts.ConfigPath, getenv)
	if err != nil {
		return nil, err
	}
	if opts.Keytab != "" {
		return loginKeytab(ctx, cfg, cfgPath, opts.Principal, opts.Keytab)
	}
	return loginCache(cfg, cfgPath, opts.CCache, getenv)
}

// CachePath returns the ticket cache file a login without a keytab reads:
// explicit, else KRB5CCNAME, else /tmp/krb5cc_<uid>. Only FILE caches are
// supported; other types are an error naming the fix.
func CachePath(explicit string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	name := explicit
	if name == "" {
		name = getenv("KRB5CCNAME")
	}
	if name == "" {
		return fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid()), nil
	}
	if typ, rest, ok := strings.Cut(name, ":"); ok && !strings.Contains(typ, "/") {
		if strings.ToUpper(typ) != "FILE" {
			return "", newError(KindConfig, nil,
				"ticket cache %s is of type %s, which is not supported: use a file cache (export KRB5CCNAME=FILE:/tmp/krb5cc_$(id -u); kinit) or pass --principal/--keytab", name, typ)
		}
		name = rest
	}
	if name == "" {
		return "", newError(KindConfig, nil, "KRB5CCNAME names an empty ticket cache path: %s", fixLogin)
	}
	return name, nil
}

// loginCache loads the ticket cache and checks its TGT.
func loginCache(cfg *config.Config, cfgPath, explicit string, getenv func(string) string) (*Session, error) {
	path, err := CachePath(explicit, getenv)
	if err != nil {
		return nil, err
	}
	cc, err := credentials.LoadCCache(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, newError(KindNoTicket, err, "no Kerberos ticket cache at %s: %s", path, fixLogin)
		}
		return nil, newError(KindNoTicket, err, "cannot read the Kerberos ticket cache %s (%s): %s", path, firstLine(err.Error()), fixLogin)
	}
	cname, realm := cc.GetClientPrincipalName(), cc.GetClientRealm()
	who := principalString(cname, realm)
	tgt, ok := cc.GetEntry(types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", realm}})
	if !ok {
		return nil, newError(KindNoTicket, nil, "the ticket cache %s holds no ticket-granting ticket for %s: %s", path, who, fixLogin)
	}
	if !tgt.EndTime.After(time.Now()) {
		return nil, newError(KindTicketExpired, nil, "the Kerberos ticket of %s in %s expired at %s: %s",
			who, path, tgt.EndTime.Local().Format(time.DateTime), fixLogin)
	}
	cl, err := client.NewFromCCache(cc, cfg, client.DisablePAFXFAST(true))
	if err != nil {
		return nil, newError(KindNoTicket, err, "the ticket cache %s is unusable (%s): %s", path, firstLine(err.Error()), fixLogin)
	}
	return &Session{cl: cl, cfg: cfg, cname: cname, realm: realm, source: "ticket cache " + path,
		expires: tgt.EndTime, configPath: cfgPath}, nil
}

// loginKeytab performs an AS exchange with a key from the keytab.
func loginKeytab(ctx context.Context, cfg *config.Config, cfgPath, principal, ktPath string) (*Session, error) {
	cname, realm, err := parsePrincipal(principal, cfg, cfgPath)
	if err != nil {
		return nil, err
	}
	who := principalString(cname, realm)
	kt, err := keytab.Load(ktPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, newError(KindBadKeytab, err, "keytab %s does not exist: check --keytab", ktPath)
		}
		return nil, newError(KindBadKeytab, err, "cannot read keytab %s (%s): check --keytab and its permissions", ktPath, firstLine(err.Error()))
	}
	cl := client.NewWithKeytab(strings.Join(cname.NameString, "/"), realm, kt, cfg, client.DisablePAFXFAST(true))
	cl.Credentials.SetCName(cname)
	w := what{client: who, realm: realm, keytab: ktPath}
	if err := runCtx(ctx, cl.Login); err != nil {
		return nil, translateCtx(ctx, err, w)
	}
	s := &Session{cl: cl, cfg: cfg, cname: cname, realm: realm, source: "keytab " + ktPath, keytab: ktPath, configPath: cfgPath}
	s.expires = time.Now().Add(cfg.LibDefaults.TicketLifetime)
	return s, nil
}

// parsePrincipal splits "a/b@REALM" into a principal name and realm; the
// realm defaults to the configuration's default_realm.
func parsePrincipal(p string, cfg *config.Config, cfgPath string) (types.PrincipalName, string, error) {
	name, realm, hasRealm := strings.Cut(p, "@")
	if name == "" || (hasRealm && realm == "") || strings.Contains(realm, "@") {
		return types.PrincipalName{}, "", newError(KindConfig, nil, "principal %q is malformed: use name[/instance]@REALM", p)
	}
	if !hasRealm {
		r, err := defaultRealm(cfg, cfgPath)
		if err != nil {
			return types.PrincipalName{}, "", err
		}
		realm = r
	}
	parts := strings.Split(name, "/")
	nt := nametype.KRB_NT_PRINCIPAL
	if len(parts) > 1 {
		nt = nametype.KRB_NT_SRV_HST
	}
	return types.PrincipalName{NameType: nt, NameString: parts}, realm, nil
}

// principalString formats a principal as name/instance@REALM.
func principalString(pn types.PrincipalName, realm string) string {
	return strings.Join(pn.NameString, "/") + "@" + realm
}

// runCtx runs a blocking gokrb5 call, returning early if ctx ends. gokrb5
// bounds each KDC exchange itself (5 s per KDC), so an abandoned call ends
// soon after.
func runCtx(ctx context.Context, f func() error) error {
	_, err := runCtxV(ctx, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// runCtxV is runCtx for calls with a result.
func runCtxV[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// translateCtx translates err, reporting a context error as such.
func translateCtx(ctx context.Context, err error, w what) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("kerberos: talking to the KDC of %s: %w", w.realm, err)
	}
	return translate(err, w)
}

// Principal returns the logged-in principal, e.g. "alice@EXAMPLE.COM". It
// is also the user name Hadoop servers see for a Kerberos connection.
func (s *Session) Principal() string { return principalString(s.cname, s.realm) }

// Realm returns the realm of the logged-in principal.
func (s *Session) Realm() string { return s.realm }

// Source describes where the credentials came from ("keytab <path>" or
// "ticket cache <path>"), for messages.
func (s *Session) Source() string { return s.source }

// FromKeytab reports whether the session logged in from a keytab (and can
// therefore log in again when its tickets expire).
func (s *Session) FromKeytab() bool { return s.keytab != "" }

// Expires returns when the ticket-granting ticket expires: the cache's end
// time, or for a keytab login the configured ticket_lifetime from login
// (the KDC may grant less).
func (s *Session) Expires() time.Time { return s.expires }

// DefaultRealm returns the configuration's default realm ("" if unset).
func (s *Session) DefaultRealm() string { return s.cfg.LibDefaults.DefaultRealm }

// Client returns the underlying gokrb5 client, e.g. for colinmarc/hdfs.
func (s *Session) Client() *client.Client { return s.cl }

// ClientPrincipal returns the client's principal name and realm, as the
// SASL GSSAPI mechanism needs them for the authenticator.
func (s *Session) ClientPrincipal() (types.PrincipalName, string) { return s.cname, s.realm }

// ServiceTicket returns a service ticket and its session key for spn, a
// service principal "service/host" or "service/host@REALM", asking the KDC
// unless a valid ticket is cached. Errors are *Error.
func (s *Session) ServiceTicket(ctx context.Context, spn string) (messages.Ticket, types.EncryptionKey, error) {
	name, _, _ := strings.Cut(spn, "@")
	type ticket struct {
		tkt messages.Ticket
		key types.EncryptionKey
	}
	t, err := runCtxV(ctx, func() (ticket, error) {
		tkt, key, err := s.cl.GetServiceTicket(name)
		return ticket{tkt, key}, err
	})
	if err != nil {
		return messages.Ticket{}, types.EncryptionKey{}, translateCtx(ctx, err, what{client: s.Principal(), service: spn, realm: s.realm, keytab: s.keytab})
	}
	return t.tkt, t.key, nil
}

// Close forgets the session's tickets.
func (s *Session) Close() { s.cl.Destroy() }
