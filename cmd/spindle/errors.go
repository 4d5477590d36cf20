package main

import (
	"errors"

	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/secure"
)

// oneLine is how a command's error is printed: a Kerberos or credentials
// failure the user can act on (no ticket, expired ticket, bad keytab, clock
// skew, KDC unreachable, RM principal mismatch, impersonation refused,
// token renewer rejected) as its own one-line message, without the chain of
// what was being done and the server's stack trace; anything else as is.
func oneLine(err error) string {
	var ke *krb.Error
	if errors.As(err, &ke) {
		return ke.Error()
	}
	var se *secure.Error
	if errors.As(err, &se) {
		return se.Error()
	}
	return err.Error()
}
