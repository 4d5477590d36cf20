package krb

import (
	"context"
	"fmt"
	"strings"

	hdfs "github.com/colinmarc/hdfs/v2"

	"github.com/spindle-yarn/spindle/hadoopconf"
)

// Hadoop configuration keys about Kerberos.
const (
	KeyAuthentication         = "hadoop.security.authentication"
	KeyRPCProtection          = "hadoop.rpc.protection"
	KeyRMPrincipal            = "yarn.resourcemanager.principal"
	KeyNameNodePrincipal      = "dfs.namenode.kerberos.principal"
	KeyDataTransferProtection = "dfs.data.transfer.protection"
	KeyEncryptDataTransfer    = "dfs.encrypt.data.transfer"
)

// SecurityEnabled reports whether the configuration asks for Kerberos
// (hadoop.security.authentication=kerberos).
func SecurityEnabled(conf *hadoopconf.Conf) bool {
	return strings.EqualFold(strings.TrimSpace(conf.Get(KeyAuthentication)), "kerberos")
}

// TokenRenewer returns the renewer to name when asking a NameNode (or the
// ResourceManager) for a delegation token that the ResourceManager must
// renew: the RM's principal with _HOST replaced by the host of the first
// ResourceManager address, as Hadoop's Master.getMasterPrincipal /
// YarnClientUtils.getRmPrincipal do. The principal is sent in full (e.g.
// "rm/rm1.example.com@EXAMPLE.COM"); the server converts it to a short name
// with its auth_to_local rules and the RM, logged in as that principal,
// then passes the renewer check.
func TokenRenewer(ctx context.Context, conf *hadoopconf.Conf) (string, error) {
	pattern := strings.TrimSpace(conf.Get(KeyRMPrincipal))
	if pattern == "" {
		return "", newError(KindConfig, nil, "%s is not set: it names the ResourceManager's Kerberos principal, which must renew the delegation tokens (e.g. rm/_HOST@REALM)", KeyRMPrincipal)
	}
	addrs, err := conf.RMAddresses()
	if err != nil || len(addrs) == 0 {
		return "", fmt.Errorf("kerberos: resolving %s needs the ResourceManager address: %v", KeyRMPrincipal, err)
	}
	host := HostForPrincipal(ctx, addrs[0])
	name, realm, _ := strings.Cut(pattern, "@")
	parts := strings.Split(name, "/")
	if len(parts) == 2 && parts[1] == hostPattern {
		parts[1] = host
	}
	out := strings.Join(parts, "/")
	if realm != "" {
		out += "@" + realm
	}
	return out, nil
}

// HDFSOptions returns colinmarc/hdfs client options for the NameNode(s) of
// fs.defaultFS authenticated with session s: KerberosClient, the service
// principal from dfs.namenode.kerberos.principal (colinmarc/hdfs replaces
// _HOST with each NameNode's host itself) and DataTransferProtection from
// dfs.data.transfer.protection (the strongest listed value; privacy when
// dfs.encrypt.data.transfer=true). The HDFS user is the session's
// principal (colinmarc/hdfs takes it from the Kerberos client).
func HDFSOptions(conf *hadoopconf.Conf, s *Session) (hdfs.ClientOptions, error) {
	addrs := conf.NameNodeAddresses("")
	if len(addrs) == 0 {
		return hdfs.ClientOptions{}, fmt.Errorf("kerberos: no NameNode address for fs.defaultFS=%q: set fs.defaultFS to an hdfs:// URI", conf.Get(hadoopconf.KeyDefaultFS))
	}
	spn := strings.TrimSpace(conf.Get(KeyNameNodePrincipal))
	if spn == "" {
		return hdfs.ClientOptions{}, newError(KindConfig, nil, "%s is not set: it names the NameNode's Kerberos principal (e.g. nn/_HOST@REALM)", KeyNameNodePrincipal)
	}
	name, _, _ := strings.Cut(spn, "@")
	useDNHost, _ := conf.GetBool("dfs.client.use.datanode.hostname", false)
	return hdfs.ClientOptions{
		Addresses:                    addrs,
		UseDatanodeHostname:          useDNHost,
		KerberosClient:               s.Client(),
		KerberosServicePrincipleName: name,
		DataTransferProtection:       dataTransferProtection(conf),
	}, nil
}

// dataTransferProtection returns the strongest value of
// dfs.data.transfer.protection, or privacy when dfs.encrypt.data.transfer
// is true, or "" for none.
func dataTransferProtection(conf *hadoopconf.Conf) string {
	if ok, _ := conf.GetBool(KeyEncryptDataTransfer, false); ok {
		return hdfs.DataTransferProtectionPrivacy
	}
	best := ""
	rank := map[string]int{"": 0, "authentication": 1, "integrity": 2, "privacy": 3}
	for _, v := range conf.GetStrings(KeyDataTransferProtection) {
		v = strings.ToLower(strings.TrimSpace(v))
		if r, ok := rank[v]; ok && r > rank[best] {
			best = v
		}
	}
	return best
}
