// Package krb logs in to Kerberos for Spindle's clients: from a ticket cache
// (as after kinit) or from a principal and keytab, on top of
// github.com/jcmturner/gokrb5/v8.
//
// Login reads the Kerberos configuration from KRB5_CONFIG (default
// /etc/krb5.conf) and, without a keytab, the ticket cache named by
// KRB5CCNAME (default /tmp/krb5cc_<uid>; only FILE: caches are supported).
// The resulting *Session hands out service tickets (for the SASL GSSAPI
// mechanism of package internal/sasl) and the gokrb5 client that
// colinmarc/hdfs needs (HDFSOptions).
//
// Server principals are resolved the way Hadoop does it: "_HOST" in a
// configured principal such as yarn.resourcemanager.principal
// ("rm/_HOST@EXAMPLE.COM") is replaced by the lower-cased host name being
// dialed, and a principal without a realm gets the default realm
// (ServerPrincipal).
//
// Every failure is an *Error whose Kind tells callers what went wrong (no
// ticket, expired ticket, bad keytab, clock skew, KDC unreachable, server
// principal mismatch, ...) and whose message is one line naming the fix.
// The gokrb5 error chain that caused it stays available through
// errors.Unwrap for debugging, but never appears in Error().
package krb
