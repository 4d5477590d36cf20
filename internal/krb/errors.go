package krb

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/messages"
)

// Kind classifies a Kerberos failure by what the user has to do about it.
type Kind int

// Kinds of Kerberos failures.
const (
	// KindConfig: the Kerberos configuration (krb5.conf) is missing or
	// unusable.
	KindConfig Kind = iota + 1
	// KindNoTicket: there is no ticket cache, or it holds no ticket-granting
	// ticket.
	KindNoTicket
	// KindTicketExpired: the ticket-granting ticket in the cache has expired.
	KindTicketExpired
	// KindBadKeytab: the keytab cannot be read, does not hold a key for the
	// principal, or its key is not the one the KDC has (wrong password or
	// outdated key version).
	KindBadKeytab
	// KindUnknownPrincipal: the KDC does not know the client principal.
	KindUnknownPrincipal
	// KindClockSkew: this machine's clock differs too much from the KDC's or
	// the server's.
	KindClockSkew
	// KindKDCUnreachable: no KDC of the realm answered (or the realm has no
	// KDC configured).
	KindKDCUnreachable
	// KindServerPrincipal: the server's principal is unknown to the KDC, or
	// the server is not the principal the configuration names (e.g.
	// yarn.resourcemanager.principal does not match the ResourceManager).
	KindServerPrincipal
	// KindRejected: the server rejected the Kerberos authentication for
	// another reason.
	KindRejected
)

// String returns a short name of the kind.
func (k Kind) String() string {
	switch k {
	case KindConfig:
		return "config"
	case KindNoTicket:
		return "no-ticket"
	case KindTicketExpired:
		return "ticket-expired"
	case KindBadKeytab:
		return "bad-keytab"
	case KindUnknownPrincipal:
		return "unknown-principal"
	case KindClockSkew:
		return "clock-skew"
	case KindKDCUnreachable:
		return "kdc-unreachable"
	case KindServerPrincipal:
		return "server-principal"
	case KindRejected:
		return "rejected"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is a Kerberos failure with a one-line, user-actionable message.
type Error struct {
	// Kind classifies the failure.
	Kind Kind
	// Msg is the one-line message: what failed and how to fix it.
	Msg string
	// Err is the underlying (gokrb5 or server) error, for debugging; it is
	// not part of Error().
	Err error
}

// Error returns the one-line message, prefixed with "kerberos: ".
func (e *Error) Error() string { return "kerberos: " + e.Msg }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error of the same Kind, so that
// errors.Is(err, &krb.Error{Kind: krb.KindClockSkew}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Msg == "" && t.Err == nil
}

// KindOf returns the Kind of the first *Error in err's chain, or 0.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// newError builds an *Error.
func newError(kind Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// what describes the operation in progress for messages: the principal
// logging in, or the service a ticket was asked for.
type what struct {
	client  string // client principal, e.g. alice@EXAMPLE.COM
	service string // service principal, "" during login
	realm   string
	keytab  string // keytab path when logging in from a keytab
}

// translate turns an error from gokrb5 into an *Error. It looks for a
// KRB-ERROR code first, then at gokrb5's error texts.
func translate(err error, w what) *Error {
	if err == nil {
		return nil
	}
	var ke *Error
	if errors.As(err, &ke) {
		return ke
	}
	if code, ok := krbErrorCode(err); ok {
		if e := fromCode(code, err, w); e != nil {
			return e
		}
	}
	return fromText(err, w)
}

// krbErrorCode extracts a KRB-ERROR code from err: from a messages.KRBError
// in the chain, or from the "KDC_ERR_..."/"KRB_AP_ERR_..." name gokrb5
// puts in its error texts.
func krbErrorCode(err error) (int32, bool) {
	var m messages.KRBError
	if errors.As(err, &m) {
		return m.ErrorCode, true
	}
	var mp *messages.KRBError
	if errors.As(err, &mp) && mp != nil {
		return mp.ErrorCode, true
	}
	s := err.Error()
	for _, c := range []int32{
		errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN,
		errorcode.KDC_ERR_PREAUTH_FAILED, errorcode.KRB_AP_ERR_SKEW,
		errorcode.KRB_AP_ERR_TKT_EXPIRED, errorcode.KDC_ERR_KEY_EXPIRED,
		errorcode.KRB_AP_ERR_BAD_INTEGRITY, errorcode.KDC_ERR_ETYPE_NOSUPP,
		errorcode.KDC_ERR_CLIENT_REVOKED, errorcode.KDC_ERR_WRONG_REALM,
	} {
		if name := codeName(c); name != "" && strings.Contains(s, name) {
			return c, true
		}
	}
	return 0, false
}

// codeName returns the symbolic name of a KRB-ERROR code ("KDC_ERR_...").
func codeName(code int32) string {
	// Lookup returns "(6) KDC_ERR_C_PRINCIPAL_UNKNOWN Client not found ...".
	_, rest, _ := strings.Cut(errorcode.Lookup(code), ") ")
	name, _, _ := strings.Cut(rest, " ")
	if strings.HasPrefix(name, "KDC_") || strings.HasPrefix(name, "KRB_") {
		return name
	}
	return ""
}
