package krb

import (
	"errors"
	"net"
	"os"
	"strings"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
)

// fixLogin is the advice for every "you need (new) credentials" error.
const fixLogin = "run kinit or pass --principal/--keytab"

// fromCode maps a KRB-ERROR code to an *Error, or returns nil for codes
// without a specific message.
func fromCode(code int32, err error, w what) *Error {
	switch code {
	case errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN:
		return newError(KindUnknownPrincipal, err,
			"the KDC of realm %s does not know principal %s: check the principal's spelling and realm", w.realm, w.client)
	case errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN:
		return newError(KindServerPrincipal, err,
			"the KDC does not know the server principal %s: check the *.principal setting in the Hadoop configuration (e.g. yarn.resourcemanager.principal, dfs.namenode.kerberos.principal) and the host name used to reach the server", w.service)
	case errorcode.KDC_ERR_PREAUTH_FAILED, errorcode.KRB_AP_ERR_BAD_INTEGRITY:
		if w.keytab != "" {
			return newError(KindBadKeytab, err,
				"the KDC rejected the key of %s from keytab %s (wrong keytab, or the principal's password changed since it was made): use the right keytab or export a new one", w.client, w.keytab)
		}
		return newError(KindBadKeytab, err, "the KDC rejected the credentials of %s: %s", w.client, fixLogin)
	case errorcode.KRB_AP_ERR_SKEW:
		return newError(KindClockSkew, err,
			"this machine's clock differs from the KDC's by more than the allowed skew (usually 5 minutes): synchronise the clock (NTP)")
	case errorcode.KRB_AP_ERR_TKT_EXPIRED:
		return newError(KindTicketExpired, err, "the Kerberos ticket of %s has expired: %s", w.client, fixLogin)
	case errorcode.KDC_ERR_KEY_EXPIRED:
		return newError(KindBadKeytab, err, "the password of %s has expired: change it, then %s", w.client, fixLogin)
	case errorcode.KDC_ERR_CLIENT_REVOKED:
		return newError(KindBadKeytab, err, "the KDC has locked or disabled principal %s: ask the Kerberos administrator", w.client)
	case errorcode.KDC_ERR_ETYPE_NOSUPP:
		return newError(KindConfig, err,
			"the KDC and this client share no encryption type for %s: allow an AES enctype in krb5.conf (default_tkt_enctypes, permitted_enctypes) or re-create the keytab with AES keys", w.client)
	}
	return nil
}

// fromText classifies gokrb5 errors that carry no KRB-ERROR code by their
// text; gokrb5 does not export typed errors for them.
func fromText(err error, w what) *Error {
	s := err.Error()
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		strings.Contains(s, "error sending to a KDC"),
		strings.Contains(s, "failed to communicate with KDC"),
		strings.Contains(s, "communication error with KDC"),
		strings.Contains(s, "no KDC SRV records"),
		strings.Contains(s, "no KDCs defined"):
		return newError(KindKDCUnreachable, err,
			"no KDC of realm %s answered: check the realm's kdc entries in krb5.conf (KRB5_CONFIG) and that the KDC is reachable", w.realm)
	case strings.Contains(s, "matching key not found in keytab"),
		strings.Contains(s, "no key for") && w.keytab != "":
		return newError(KindBadKeytab, err,
			"keytab %s has no usable key for %s: check --principal against `klist -kt %s`", w.keytab, w.client, w.keytab)
	case strings.Contains(s, "Decrypting_Error") && w.keytab != "" && w.service == "":
		return newError(KindBadKeytab, err,
			"the key of %s in keytab %s does not match the KDC's (wrong keytab or outdated key version): use the right keytab or export a new one", w.client, w.keytab)
	case errors.Is(err, os.ErrNotExist):
		return newError(KindNoTicket, err, "no Kerberos credentials found: %s", fixLogin)
	}
	if w.service != "" {
		return newError(KindRejected, err, "could not get a Kerberos ticket for %s as %s: %s", w.service, w.client, fixLogin)
	}
	return newError(KindRejected, err, "Kerberos login as %s failed: %s", w.client, fixLogin)
}

// FromServer classifies the message of an exception a Hadoop server sent
// while rejecting a Kerberos (GSSAPI) authentication, such as
// "GSS initiate failed [Caused by GSSException: ... Clock skew too great
// (37)]". service is the server principal the client asked a ticket for.
// It returns nil if msg does not look like a Kerberos failure.
func FromServer(msg, service string, cause error) *Error {
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "clock skew"):
		return newError(KindClockSkew, cause,
			"the server %s rejected the ticket because this machine's clock differs from the server's by more than the allowed skew (usually 5 minutes): synchronise the clock (NTP)", service)
	case strings.Contains(low, "checksum failed"),
		strings.Contains(low, "cannot find key"),
		strings.Contains(low, "specified version of key is not available"),
		strings.Contains(low, "integrity check on decrypted field failed"),
		strings.Contains(low, "wrong principal in request"):
		return newError(KindServerPrincipal, cause,
			"the server cannot decrypt a ticket for %s, so it is not that principal (or its keytab is outdated): check the *.principal setting in the Hadoop configuration (e.g. yarn.resourcemanager.principal)", service)
	case strings.Contains(low, "ticket expired"), strings.Contains(low, "tkt_expired"):
		return newError(KindTicketExpired, cause, "the server %s says the Kerberos ticket has expired: %s", service, fixLogin)
	case strings.Contains(low, "gss initiate failed"), strings.Contains(low, "gssexception"),
		strings.Contains(low, "kerberos"):
		// Hadoop servers send only "GSS initiate failed" whatever the
		// cause; the usual ones are a skewed clock and an outdated server
		// keytab.
		return newError(KindRejected, cause,
			"the server %s rejected the Kerberos ticket (%s): synchronise this machine's clock with the cluster's (more than 5 minutes apart is refused), and if it is in sync ask the administrator to check the server's keytab and log", service, reason(msg))
	}
	return nil
}

// reason returns the first line of a server message without the Java
// cause chain ("[Caused by ...]").
func reason(msg string) string {
	s := firstLine(msg)
	if i := strings.Index(s, " [Caused by"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// firstLine returns the first line of s, trimmed.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
