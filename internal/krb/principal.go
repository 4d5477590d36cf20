package krb

import (
	"context"
	"net"
	"strings"
	"time"
)

// hostPattern is the placeholder Hadoop replaces with the server's host in
// configured principals (SecurityUtil.HOSTNAME_PATTERN).
const hostPattern = "_HOST"

// reverseLookupTimeout bounds the reverse DNS lookup of an IP address.
const reverseLookupTimeout = 5 * time.Second

// ServerPrincipal resolves a configured server principal such as
// "rm/_HOST@EXAMPLE.COM" for the server host being dialed, as Hadoop's
// SecurityUtil.getServerPrincipal does: if the principal has exactly the
// three components service/_HOST@REALM (or service/_HOST), "_HOST" is
// replaced by host lower-cased; any other principal is used as is. A
// principal without a realm gets realm. An empty pattern or host is an
// error naming the missing setting.
func ServerPrincipal(pattern, host, realm string) (string, error) {
	pattern = strings.TrimSpace(pattern)
	if pattern == "" {
		return "", newError(KindConfig, nil, "no server principal is configured: set the service's *.principal key (e.g. yarn.resourcemanager.principal=rm/_HOST@REALM)")
	}
	name, prealm, hasRealm := strings.Cut(pattern, "@")
	parts := strings.Split(name, "/")
	if len(parts) == 2 && parts[1] == hostPattern {
		if host == "" {
			return "", newError(KindConfig, nil, "cannot resolve %s: no host name for _HOST", pattern)
		}
		parts[1] = strings.ToLower(strings.TrimSuffix(host, "."))
	}
	name = strings.Join(parts, "/")
	if !hasRealm || prealm == "" {
		if realm == "" {
			return "", newError(KindConfig, nil, "server principal %s has no realm and there is no default realm: add @REALM or set default_realm in krb5.conf", pattern)
		}
		prealm = realm
	}
	return name + "@" + prealm, nil
}

// HostForPrincipal returns the host name that replaces _HOST for a server
// at addr ("host:port" or a bare host): the host lower-cased, or, for an IP
// address, its name from a reverse lookup (Hadoop uses the canonical host
// name of the address), falling back to the address itself.
func HostForPrincipal(ctx context.Context, addr string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	if ip := net.ParseIP(host); ip != nil {
		lctx, cancel := context.WithTimeout(ctx, reverseLookupTimeout)
		defer cancel()
		if names, err := net.DefaultResolver.LookupAddr(lctx, ip.String()); err == nil && len(names) > 0 {
			host = names[0]
		}
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// ServerPrincipal resolves pattern (e.g. yarn.resourcemanager.principal)
// for the server at addr, with the realm of the server's host from the
// [domain_realm] section, or the default realm.
func (s *Session) ServerPrincipal(ctx context.Context, pattern, addr string) (string, error) {
	host := HostForPrincipal(ctx, addr)
	return ServerPrincipal(pattern, host, s.RealmOfHost(host))
}

// RealmOfHost returns the realm of host by the [domain_realm] mapping of
// the configuration, or the default realm, or the client's realm.
func (s *Session) RealmOfHost(host string) string {
	if r := s.cfg.ResolveRealm(host); r != "" {
		return r
	}
	if r := s.cfg.LibDefaults.DefaultRealm; r != "" {
		return r
	}
	return s.realm
}

// SplitPrincipal splits "service/host@REALM" into its name components and
// realm ("" when absent).
func SplitPrincipal(p string) (components []string, realm string) {
	name, realm, _ := strings.Cut(p, "@")
	return strings.Split(name, "/"), realm
}
