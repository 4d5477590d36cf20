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
// dfs.namenode.http-address otherwise. Each NameNode's address is its own key
// (dfs.namenode.http-address.<ns>.<nn> in an HA nameservice, .<ns>
// otherwise); without one, the plain key, which is what a NameNode binds
// then: its port, and its host only for fs.defaultFS's single NameNode. A
// wildcard or missing host is the NameNode's RPC host, a missing port the
// default. It returns nil when no NameNode is known.
func (c *Conf) NameNodeWebURLs(nameservice string) []string {
	scheme, key, port := "http", KeyNameNodeHTTPAddress, strconv.Itoa(DefaultNameNodeHTTPPort)
	if strings.EqualFold(strings.TrimSpace(c.Get(KeyDFSHTTPPolicy)), "HTTPS_ONLY") {
		scheme, key, port = "https", KeyNameNodeHTTPSAddress, strconv.Itoa(DefaultNameNodeHTTPSPort)
	}
	ns := strings.TrimSpace(nameservice)
	defaultNS := ns == ""
	if u, err := c.DefaultFS(); err == nil && (ns == "" || ns == u.Host) {
		ns, defaultNS = u.Host, true
	}
	type nameNode struct{ rpcHost, key string }
	var nns []nameNode
	ha, isHA := c.haNameNodes(ns)
	for _, nn := range ha {
		h, _, _ := net.SplitHostPort(nn.addr)
		nns = append(nns, nameNode{h, key + "." + ns + "." + nn.id})
	}
	if !isHA {
		for _, a := range c.NameNodeAddresses(nameservice) {
			h, _, _ := net.SplitHostPort(a)
			nns = append(nns, nameNode{h, key + "." + ns})
		}
	}
	urls := make([]string, 0, len(nns))
	for _, nn := range nns {
		host, p := nn.rpcHost, port
		own, ok := c.trimmed(nn.key)
		if !ok {
			own, _ = c.trimmed(key)
		}
		if h, hp, err := net.SplitHostPort(own); err == nil {
			p = hp
			if h != "" && h != "0.0.0.0" && h != "::" && (ok || defaultNS && !isHA) {
				host = h
			}
		}
		urls = append(urls, scheme+"://"+net.JoinHostPort(host, p))
	}
	return urls
}
