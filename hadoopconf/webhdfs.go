package hadoopconf

import (
	"net"
	"strconv"
	"strings"
)

// Keys of the NameNodes' HTTP servers, which serve WebHDFS.
const (
	KeyDFSHTTPPolicy        = "dfs.http.policy"
	KeyNameNodeHTTPAddress  = "dfs.namenode.http-address"
	KeyNameNodeHTTPSAddress = "dfs.namenode.https-address"
)

// Default NameNode HTTP and HTTPS ports (Hadoop 3).
const (
	DefaultNameNodeHTTPPort  = 9870
	DefaultNameNodeHTTPSPort = 9871
)

// NameNodeWebURLs returns the base URLs ("http://host:port") of the HTTP
// servers of the NameNodes of nameservice (the authority of an hdfs:// URI,
// or "" for fs.defaultFS's), in the order of NameNodeAddresses: https and
// dfs.namenode.https-address when dfs.http.policy is HTTPS_ONLY, http and
// dfs.namenode.http-address otherwise. The address keys are looked up as
// NameNodeAddresses looks up dfs.namenode.rpc-address (per NameNode id of an
// HA nameservice, per nameservice, then plain); a wildcard or missing host
// is the NameNode's RPC host, and a missing address is that host on the
// default port. It returns nil when no NameNode is known.
func (c *Conf) NameNodeWebURLs(nameservice string) []string {
	scheme, key, port := "http", KeyNameNodeHTTPAddress, DefaultNameNodeHTTPPort
	if strings.EqualFold(strings.TrimSpace(c.Get(KeyDFSHTTPPolicy)), "HTTPS_ONLY") {
		scheme, key, port = "https", KeyNameNodeHTTPSAddress, DefaultNameNodeHTTPSPort
	}
	rpc := c.NameNodeAddresses(nameservice)
	if len(rpc) == 0 {
		return nil
	}
	ns := strings.TrimSpace(nameservice)
	if ns == "" {
		if u, err := c.DefaultFS(); err == nil {
			ns = u.Host
		}
	}
	var keys []string // the address key of each RPC address, in order
	if nns := c.GetStrings("dfs.ha.namenodes." + ns); len(nns) > 0 {
		for _, nn := range nns {
			if _, ok := c.trimmed("dfs.namenode.rpc-address." + ns + "." + nn); ok {
				keys = append(keys, key+"."+ns+"."+nn)
			}
		}
	}
	urls := make([]string, 0, len(rpc))
	for i, addr := range rpc {
		rpcHost, _, _ := net.SplitHostPort(addr)
		var v string
		if i < len(keys) {
			v, _ = c.trimmed(keys[i])
		} else if s, ok := c.trimmed(key + "." + ns); ok {
			v = s
		} else {
			v, _ = c.trimmed(key)
		}
		host, p := rpcHost, strconv.Itoa(port)
		if h, hp, err := net.SplitHostPort(v); err == nil {
			if h != "" && h != "0.0.0.0" && h != "::" {
				host = h
			}
			p = hp
		}
		urls = append(urls, scheme+"://"+net.JoinHostPort(host, p))
	}
	return urls
}
