package secure

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/hdfsnn"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// defaultNameNodePort is the port of an hdfs:// URI without one.
const defaultNameNodePort = "8020"

// Namespace is one HDFS namespace tokens are fetched for: its NameNode
// addresses and the service its tokens are stamped with (and stored under
// in credentials files, as Hadoop does).
type Namespace struct {
	URI     string
	Addrs   []string
	Service string
}

// Namespaces returns the HDFS namespaces of fs.defaultFS (when it is an
// hdfs:// URI) and of every URI in extra (spark's
// spark.kerberos.access.hadoopFileSystems), without duplicates. Other
// schemes are skipped: they need no HDFS token.
func Namespaces(ctx context.Context, conf *hadoopconf.Conf, extra []string) ([]Namespace, error) {
	uris := append([]string{conf.Get(hadoopconf.KeyDefaultFS)}, extra...)
	var out []Namespace
	seen := map[string]bool{}
	for _, raw := range uris {
		raw = strings.TrimSpace(raw)
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("filesystem %q: %w", raw, err)
		}
		if !strings.EqualFold(u.Scheme, "hdfs") {
			continue
		}
		ns, err := namespaceOf(ctx, conf, u)
		if err != nil {
			return nil, err
		}
		if !seen[ns.Service] {
			seen[ns.Service] = true
			out = append(out, ns)
		}
	}
	return out, nil
}

// namespaceOf resolves an hdfs:// URI: host:port, an HA nameservice of
// hdfs-site.xml, or host on the default port.
func namespaceOf(ctx context.Context, conf *hadoopconf.Conf, u *url.URL) (Namespace, error) {
	host := u.Hostname()
	if host == "" {
		return namespaceOf(ctx, conf, mustDefaultFS(conf))
	}
	root := "hdfs://" + u.Host
	if u.Port() == "" {
		if nns := conf.NameNodeAddresses(host); len(nns) > 0 && conf.Get("dfs.ha.namenodes."+host) != "" {
			return Namespace{URI: root, Addrs: nns, Service: hdfsnn.HATokenService(host)}, nil
		}
	}
	port := u.Port()
	if port == "" {
		port = defaultNameNodePort
	}
	addr := net.JoinHostPort(host, port)
	service, err := hdfsnn.TokenService(ctx, addr)
	if err != nil {
		return Namespace{}, err
	}
	return Namespace{URI: root, Addrs: []string{addr}, Service: service}, nil
}

func mustDefaultFS(conf *hadoopconf.Conf) *url.URL {
	u, err := conf.DefaultFS()
	if err != nil || u.Host == "" {
		return &url.URL{Scheme: "hdfs", Host: "localhost:" + defaultNameNodePort}
	}
	return u
}

// HDFSTokens are the delegation tokens of some HDFS namespaces.
type HDFSTokens struct {
	// Creds holds one HDFS_DELEGATION_TOKEN per namespace, aliased by its
	// service.
	Creds *creds.Credentials
	// MaxDate is the earliest end of the tokens' lives: no renewal extends
	// a token past it.
	MaxDate time.Time
}

// ObtainHDFS asks each namespace's NameNode for a delegation token that
// renewer may renew, over c (which must authenticate with Kerberos).
func ObtainHDFS(ctx context.Context, c hdfsnn.Caller, nss []Namespace, renewer string) (*HDFSTokens, error) {
	out := &HDFSTokens{Creds: &creds.Credentials{}}
	for _, ns := range nss {
		nn, err := hdfsnn.New(c, ns.Addrs, ns.Service)
		if err != nil {
			return nil, err
		}
		tok, err := nn.GetDelegationToken(ctx, renewer)
		if err != nil {
			return nil, fmt.Errorf("get an HDFS delegation token from %s (renewer %s): %w", ns.URI, renewer, err)
		}
		out.Creds.AddToken(tok.Service, credsToken(tok))
		if id, err := hdfsnn.ParseIdentifier(tok.Identifier); err == nil && (out.MaxDate.IsZero() || id.MaxDate.Before(out.MaxDate)) {
			out.MaxDate = id.MaxDate
		}
	}
	return out, nil
}

// RMTokenService is the service of ResourceManager delegation tokens:
// every RM address as "ip:port", comma separated (ClientRMProxy's
// getRMDelegationTokenService).
func RMTokenService(ctx context.Context, conf *hadoopconf.Conf) (string, error) {
	addrs, err := conf.RMAddresses()
	if err != nil {
		return "", err
	}
	services := make([]string, 0, len(addrs))
	for _, a := range addrs {
		s, err := hdfsnn.TokenService(ctx, a)
		if err != nil {
			return "", err
		}
		services = append(services, s)
	}
	return strings.Join(services, ","), nil
}

// ObtainRM asks the ResourceManager for a delegation token renewer may
// renew, so that a driver can query its own application from inside YARN.
func ObtainRM(ctx context.Context, rm *yarn.ResourceManager, conf *hadoopconf.Conf, renewer string) (creds.Token, error) {
	service, err := RMTokenService(ctx, conf)
	if err != nil {
		return creds.Token{}, err
	}
	tok, err := rm.DelegationToken(ctx, renewer, service)
	if err != nil {
		return creds.Token{}, fmt.Errorf("get a ResourceManager delegation token (renewer %s): %w", renewer, err)
	}
	return credsToken(tok), nil
}

func credsToken(t ipc.Token) creds.Token {
	return creds.Token{Identifier: t.Identifier, Password: t.Password, Kind: t.Kind, Service: t.Service}
}

// IPCToken converts a token of a credentials file for an IPC call.
func IPCToken(t creds.Token) *ipc.Token {
	return &ipc.Token{Identifier: t.Identifier, Password: t.Password, Kind: t.Kind, Service: t.Service}
}

// HDFSToken returns the HDFS delegation token of c for the namespace ns
// (by service), or, when none matches, c's only HDFS token.
func HDFSToken(c *creds.Credentials, ns Namespace) (creds.Token, bool) {
	toks := c.TokensOfKind(hdfsnn.TokenKind)
	for _, t := range toks {
		if t.Service == ns.Service {
			return t, true
		}
	}
	if len(toks) == 1 {
		return toks[0], true
	}
	return creds.Token{}, false
}
