package console

import (
	"errors"

	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/secure"
)

// Actionable is the error a command prints: a Kerberos or credentials
// failure the user can act on (no ticket, expired ticket, bad keytab, clock
// skew, KDC unreachable, RM principal mismatch, impersonation refused,
// token renewer rejected) alone, as its one-line message, without the chain
// of what was being done and the server's stack trace; anything else as is.
func Actionable(err error) error {
	var ke *krb.Error
	if errors.As(err, &ke) {
		return ke
	}
	var se *secure.Error
	if errors.As(err, &se) {
		return se
	}
	return err
}
