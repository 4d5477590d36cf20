// Package portrange parses and binds port ranges such as spindle.am.port:
// "0" (any free port), "40000" (exactly that port) or "40000-40100" (the
// first free port of the range), for servers on firewalled clusters. It plays
// the part of Spark's spark.driver.port with spark.port.maxRetries, with the
// ports allowed spelled out.
package portrange

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
)

// Range is an inclusive range of TCP ports. The zero Range means any free
// port, chosen by the system.
type Range struct {
	Lo, Hi int
}

// Any is the range of any free port.
var Any = Range{}

// Parse reads "0" or "" (any port), "PORT" or "LO-HI", with ports 1 to 65535
// and LO <= HI. The error names s and the accepted forms.
func Parse(s string) (Range, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return Any, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	l, errL := port(lo)
	h, errH := port(hi)
	if err := errors.Join(errL, errH); err != nil {
		return Any, fmt.Errorf("port range %q: %w; use 0 (any port), a port such as 40000, or a range such as 40000-40100", s, err)
	}
	if l > h {
		return Any, fmt.Errorf("port range %q: %d is above %d; write the lower port first, such as %d-%d", s, l, h, h, l)
	}
	return Range{Lo: l, Hi: h}, nil
}

// port parses one port number, 1 to 65535.
func port(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port from 1 to 65535", s)
	}
	return n, nil
}

// IsAny reports whether r is the range of any free port.
func (r Range) IsAny() bool { return r.Lo == 0 && r.Hi == 0 }

// Contains reports whether port p is in r (any port is in Any).
func (r Range) Contains(p int) bool { return r.IsAny() || (p >= r.Lo && p <= r.Hi) }

// String is the form Parse reads: "0", "40000" or "40000-40100".
func (r Range) String() string {
	switch {
	case r.IsAny():
		return "0"
	case r.Lo == r.Hi:
		return strconv.Itoa(r.Lo)
	}
	return fmt.Sprintf("%d-%d", r.Lo, r.Hi)
}

// ErrExhausted is returned, wrapped, by Listen when every port of the range
// is in use.
var ErrExhausted = errors.New("every port of the range is in use")

// Listen listens on TCP host:port for the first port of r, in order, that is
// not in use, and fails at once on any other error (such as a host that is not
// this machine's, or a port below 1024 without the privilege). With Any the
// system picks the port.
func (r Range) Listen(ctx context.Context, host string) (net.Listener, error) {
	var lc net.ListenConfig
	if r.IsAny() {
		ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", host, err)
		}
		return ln, nil
	}
	for p := r.Lo; p <= r.Hi; p++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err == nil {
			return ln, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("listen on %s port %d (of %s): %w", host, p, r, err)
		}
	}
	return nil, fmt.Errorf("listen on %s in port range %s: %w", host, r, ErrExhausted)
}
