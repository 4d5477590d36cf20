package hadoopconf

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// YARN keys used by the typed accessors.
const (
	KeyRMHostname        = "yarn.resourcemanager.hostname"
	KeyRMAddress         = "yarn.resourcemanager.address"
	KeySchedulerAddress  = "yarn.resourcemanager.scheduler.address"
	KeyRMWebAddress      = "yarn.resourcemanager.webapp.address"
	KeyRMWebHTTPSAddress = "yarn.resourcemanager.webapp.https.address"
	KeyRMHAEnabled       = "yarn.resourcemanager.ha.enabled"
	KeyRMHAIDs           = "yarn.resourcemanager.ha.rm-ids"
	KeyHTTPPolicy        = "yarn.http.policy"
)

// Default ports of the ResourceManager services (YarnConfiguration).
const (
	DefaultRMPort         = 8032 // yarn.resourcemanager.address
	DefaultSchedulerPort  = 8030 // yarn.resourcemanager.scheduler.address
	DefaultRMWebPort      = 8088 // yarn.resourcemanager.webapp.address
	DefaultRMWebHTTPSPort = 8090 // yarn.resourcemanager.webapp.https.address
	DefaultRMAdminPort    = 8033 // yarn.resourcemanager.admin.address
)

// HAEnabled reports whether ResourceManager HA is on
// (yarn.resourcemanager.ha.enabled; a malformed value counts as false, as in
// Hadoop).
func (c *Conf) HAEnabled() bool {
	on, err := c.GetBool(KeyRMHAEnabled, false)
	return err == nil && on
}

// RMIDs returns the ResourceManager ids from yarn.resourcemanager.ha.rm-ids,
// in order, trimmed, without empties or duplicates; nil if unset.
func (c *Conf) RMIDs() []string {
	var ids []string
	seen := make(map[string]bool)
	for _, id := range c.GetStrings(KeyRMHAIDs) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// RMAddresses returns the host:port of the ResourceManager client service
// (ApplicationClientProtocol), one per ResourceManager: see
// RMServiceAddresses.
func (c *Conf) RMAddresses() ([]string, error) {
	return c.RMServiceAddresses(KeyRMAddress, DefaultRMPort)
}

// SchedulerAddresses returns the host:port of the ResourceManager scheduler
// service (ApplicationMasterProtocol), one per ResourceManager.
func (c *Conf) SchedulerAddresses() ([]string, error) {
	return c.RMServiceAddresses(KeySchedulerAddress, DefaultSchedulerPort)
}

// RMWebAddresses returns the host:port of the ResourceManager web
// application, one per ResourceManager: the https address if WebAppScheme is
// "https", else the http one. Combine with WebAppScheme to build URLs.
func (c *Conf) RMWebAddresses() ([]string, error) {
	if c.WebAppScheme() == "https" {
		return c.RMServiceAddresses(KeyRMWebHTTPSAddress, DefaultRMWebHTTPSPort)
	}
	return c.RMServiceAddresses(KeyRMWebAddress, DefaultRMWebPort)
}

// RMServiceAddresses resolves a ResourceManager service address key (such
// as yarn.resourcemanager.address) to host:port strings.
//
// Without HA there is one entry: the key's expanded value, or if it is blank
// yarn.resourcemanager.hostname; a missing port is defaultPort. With HA, one
// entry per id of yarn.resourcemanager.ha.rm-ids, in order: "<key>.<id>" if
// set, else "yarn.resourcemanager.hostname.<id>" with defaultPort. A wildcard
// host such as 0.0.0.0 is kept as is. The error names the key at fault when
// HA is on without rm-ids, an id has neither key, or an address is malformed.
func (c *Conf) RMServiceAddresses(key string, defaultPort int) ([]string, error) {
	if !c.HAEnabled() {
		v, ok := c.trimmed(key)
		src := key
		if !ok {
			v, ok = c.trimmed(KeyRMHostname)
			src = KeyRMHostname
			if !ok {
				return nil, fmt.Errorf("hadoopconf: neither %s nor %s is set", key, KeyRMHostname)
			}
		}
		addr, err := hostPort(v, defaultPort)
		if err != nil {
			return nil, fmt.Errorf("hadoopconf: %s=%q: %w", src, v, err)
		}
		return []string{addr}, nil
	}

	ids := c.RMIDs()
	if len(ids) == 0 {
		return nil, fmt.Errorf("hadoopconf: %s is true but %s is empty; list the ResourceManager ids (e.g. rm1,rm2)",
			KeyRMHAEnabled, KeyRMHAIDs)
	}
	addrs := make([]string, 0, len(ids))
	for _, id := range ids {
		k := key + "." + id
		v, ok := c.trimmed(k)
		if !ok {
			k = KeyRMHostname + "." + id
			v, ok = c.trimmed(k)
			if !ok {
				return nil, fmt.Errorf("hadoopconf: ResourceManager %q (from %s): set %s.%s or %s.%s",
					id, KeyRMHAIDs, key, id, KeyRMHostname, id)
			}
		}
		addr, err := hostPort(v, defaultPort)
		if err != nil {
			return nil, fmt.Errorf("hadoopconf: %s=%q: %w", k, v, err)
		}
		addrs = append(addrs, addr)
	}
	return addrs, nil
}

// WebAppScheme returns "https" if yarn.http.policy is HTTPS_ONLY and "http"
// otherwise (HTTP_ONLY, HTTP_AND_HTTPS, unset), as YARN clients decide.
func (c *Conf) WebAppScheme() string {
	v, _ := c.trimmed(KeyHTTPPolicy)
	if strings.EqualFold(v, "HTTPS_ONLY") {
		return "https"
	}
	return "http"
}

// hostPort normalizes an address the way Hadoop's NetUtils.createSocketAddr
// reads one: "host:port", "host" (defaultPort), "[v6]:port", or a URL such as
// "hdfs://host:port". It returns "host:port" (IPv6 hosts bracketed).
func hostPort(s string, defaultPort int) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("not a host:port address: %v", err)
		}
		s = u.Host
	}
	if s == "" {
		return "", fmt.Errorf("empty address")
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	} else if strings.Count(s, ":") == 1 || strings.ContainsAny(s, "[]") {
		return "", fmt.Errorf("not a host:port address")
	}
	if !validHost(host) {
		return "", fmt.Errorf("no valid host")
	}
	if port == "" {
		if defaultPort < 0 || defaultPort > 65535 {
			return "", fmt.Errorf("no port given and no default port")
		}
		port = strconv.Itoa(defaultPort)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || strings.HasPrefix(port, "+") {
		return "", fmt.Errorf("invalid port %q", port)
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// validHost reports whether h is a plausible host name, IPv4 address, or
// IPv6 address (optionally with a %zone).
func validHost(h string) bool {
	if h == "" {
		return false
	}
	if strings.Contains(h, ":") {
		ip, _, _ := strings.Cut(h, "%")
		return net.ParseIP(ip) != nil
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
		default:
			return false
		}
	}
	return true
}
