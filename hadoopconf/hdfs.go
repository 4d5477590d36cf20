package hadoopconf

import (
	"fmt"
	"net/url"
	"strings"
)

// Filesystem and HDFS keys used by the typed accessors.
const (
	KeyDefaultFS       = "fs.defaultFS"
	KeyDefaultFSLegacy = "fs.default.name" // deprecated alias of fs.defaultFS
	KeyNameservices    = "dfs.nameservices"
)

// DefaultNameNodePort is the NameNode RPC port used when an hdfs:// authority
// or dfs.namenode.rpc-address value has none.
const DefaultNameNodePort = 8020

// DefaultFS returns the default filesystem URI: fs.defaultFS, or the
// deprecated fs.default.name when that was set more recently (Hadoop treats
// them as one key). As in Hadoop, "local" means file:/// and a value without
// "/" (an old-style "host:port") means hdfs://host:port.
func (c *Conf) DefaultFS() (*url.URL, error) {
	c.mu.RLock()
	key := KeyDefaultFS
	cur, ok := c.props[key]
	if legacy, lok := c.props[KeyDefaultFSLegacy]; lok && (!ok || legacy.seq > cur.seq) {
		key, cur, ok = KeyDefaultFSLegacy, legacy, true
	}
	v := strings.TrimSpace(c.expandLocked(key, cur.value))
	c.mu.RUnlock()

	if !ok || v == "" {
		return nil, fmt.Errorf("hadoopconf: %s is not set", KeyDefaultFS)
	}
	name := v
	if name == "local" {
		name = "file:///"
	} else if !strings.Contains(name, "/") {
		name = "hdfs://" + name
	}
	u, err := url.Parse(name)
	if err != nil {
		return nil, fmt.Errorf("hadoopconf: %s=%q is not a URI: %w", key, v, err)
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("hadoopconf: %s=%q has no scheme (want e.g. hdfs://namenode:8020)", key, v)
	}
	return u, nil
}

// Nameservices returns the HDFS nameservice ids of dfs.nameservices.
func (c *Conf) Nameservices() []string {
	return c.GetStrings(KeyNameservices)
}

// NameNodeAddresses returns the NameNode RPC host:port addresses for the
// authority of an hdfs:// URI (nameservice), or for fs.defaultFS's authority
// if nameservice is "":
//
//   - with dfs.ha.namenodes.<ns> set: dfs.namenode.rpc-address.<ns>.<nn> for
//     each NameNode id in order (ids without an address are skipped);
//   - else dfs.namenode.rpc-address.<ns>, or for the only entry of
//     dfs.nameservices, dfs.namenode.rpc-address;
//   - else, if ns is not a configured nameservice, ns itself as host[:port]
//     with port 8020 by default.
//
// It returns nil if nothing usable is found.
func (c *Conf) NameNodeAddresses(nameservice string) []string {
	ns := strings.TrimSpace(nameservice)
	if ns == "" {
		u, err := c.DefaultFS()
		if err != nil || u.Scheme != "hdfs" || u.Host == "" {
			return nil
		}
		ns = u.Host
	}

	if nns, ha := c.haNameNodes(ns); ha {
		var addrs []string
		for _, nn := range nns {
			addrs = append(addrs, nn.addr)
		}
		return addrs
	}
	if v, ok := c.trimmed("dfs.namenode.rpc-address." + ns); ok {
		if a, err := hostPort(v, DefaultNameNodePort); err == nil {
			return []string{a}
		}
		return nil
	}
	nss := c.Nameservices()
	for _, s := range nss {
		if s != ns {
			continue
		}
		if len(nss) == 1 {
			if v, ok := c.trimmed("dfs.namenode.rpc-address"); ok {
				if a, err := hostPort(v, DefaultNameNodePort); err == nil {
					return []string{a}
				}
			}
		}
		return nil
	}
	if a, err := hostPort(ns, DefaultNameNodePort); err == nil {
		return []string{a}
	}
	return nil
}

// haNameNode is one NameNode of an HA nameservice: its id and RPC address.
type haNameNode struct{ id, addr string }

// haNameNodes returns the NameNodes of dfs.ha.namenodes.<ns> that have a
// usable dfs.namenode.rpc-address.<ns>.<nn>, in order; ha is false when ns
// is not an HA nameservice.
func (c *Conf) haNameNodes(ns string) (nns []haNameNode, ha bool) {
	ids := c.GetStrings("dfs.ha.namenodes." + ns)
	for _, id := range ids {
		if v, ok := c.trimmed("dfs.namenode.rpc-address." + ns + "." + id); ok {
			if a, err := hostPort(v, DefaultNameNodePort); err == nil {
				nns = append(nns, haNameNode{id, a})
			}
		}
	}
	return nns, len(ids) > 0
}
