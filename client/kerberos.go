package client

import (
	"os"
	"time"
)

// Option keys of secured clusters. The flags follow spark-submit's
// (--principal, --keytab, --proxy-user).
const (
	KeyPrincipal   = "spindle.kerberos.principal"
	KeyKeytab      = "spindle.kerberos.keytab"
	KeyProxyUser   = "spindle.proxyUser"
	KeyFileSystems = "spindle.kerberos.access.hadoopFileSystems"
	// KeyRenewalInterval is how often the AM obtains new delegation tokens
	// from the keytab (default: 75% of their renewal period).
	KeyRenewalInterval = "spindle.kerberos.renewal.interval"
	// KeyTokenRenewer overrides the renewer named in the HDFS delegation
	// tokens (default: yarn.resourcemanager.principal, which must renew them).
	KeyTokenRenewer = "spindle.kerberos.tokenRenewer"
)

// Kerberos is how a client logs in to a secured cluster (with
// hadoop.security.authentication=kerberos) and acts on it; the zero value
// uses the ticket cache (KRB5CCNAME, as after kinit).
type Kerberos struct {
	// Principal and Keytab log in from a keytab (--principal/--keytab),
	// which is also shipped to the ApplicationMaster so that it can obtain
	// new delegation tokens for long-running applications.
	Principal, Keytab string
	// ProxyUser submits on behalf of this user (--proxy-user).
	ProxyUser string
	// FileSystems are hdfs:// URIs besides fs.defaultFS the application
	// gets delegation tokens for.
	FileSystems []string
	// RenewalInterval, if positive, is how often the AM obtains new tokens.
	RenewalInterval time.Duration
	// TokenRenewer overrides the HDFS tokens' renewer.
	TokenRenewer string
}

// resolveKerberos reads the Kerberos options.
func (r *resolver) resolveKerberos(o *Options) {
	k := &o.Kerberos
	k.Principal, k.Keytab = r.get(KeyPrincipal), r.get(KeyKeytab)
	k.ProxyUser = r.get(KeyProxyUser)
	k.FileSystems = splitNames(r.get(KeyFileSystems))
	k.TokenRenewer = r.get(KeyTokenRenewer)
	switch {
	case k.Principal != "" && k.Keytab == "":
		r.bad("principal", KeyPrincipal, "%q needs --keytab too", k.Principal)
	case k.Keytab != "" && k.Principal == "":
		r.bad("keytab", KeyKeytab, "%q needs --principal too", k.Keytab)
	case k.Keytab != "":
		if st, err := os.Stat(k.Keytab); err != nil || !st.Mode().IsRegular() {
			r.bad("keytab", KeyKeytab, "%q is not a readable file", k.Keytab)
		}
	}
	if v := r.get(KeyRenewalInterval); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 5*time.Second {
			r.bad("conf", KeyRenewalInterval, "%q: want a duration of at least 5s, such as 12h", v)
		}
		k.RenewalInterval = d
	}
}
