package portrange

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Range
		str  string
	}{
		{"", Any, "0"},
		{"0", Any, "0"},
		{" 40000 ", Range{40000, 40000}, "40000"},
		{"40000-40100", Range{40000, 40100}, "40000-40100"},
		{"40000 - 40100", Range{40000, 40100}, "40000-40100"},
		{"1-65535", Range{1, 65535}, "1-65535"},
		{"7-7", Range{7, 7}, "7"},
	} {
		got, err := Parse(c.in)
		if err != nil || got != c.want || got.String() != c.str {
			t.Errorf("Parse(%q) = %+v (%q), %v; want %+v (%q)", c.in, got, got.String(), err, c.want, c.str)
		}
	}
	for _, c := range []struct{ in, wantInErr string }{
		{"abc", `"abc" is not a port`},
		{"65536", `"65536" is not a port`},
		{"-1", `"" is not a port`},
		{"40000-", `"" is not a port`},
		{"40100-40000", "write the lower port first, such as 40000-40100"},
		{"1-2-3", `"2-3" is not a port`},
		{"0-10", `"0" is not a port`},
	} {
		_, err := Parse(c.in)
		if err == nil || !strings.Contains(err.Error(), c.wantInErr) || !strings.Contains(err.Error(), "40000-40100") {
			t.Errorf("Parse(%q) error %v, want one with %q and the accepted forms", c.in, err, c.wantInErr)
		}
	}
}

func TestContains(t *testing.T) {
	r := Range{100, 200}
	if !r.Contains(100) || !r.Contains(200) || r.Contains(99) || r.Contains(201) {
		t.Errorf("Contains of %v is wrong", r)
	}
	if !Any.Contains(12345) {
		t.Error("Any does not contain 12345")
	}
}

// hold listens on a free port of 127.0.0.1 until the test ends.
func hold(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func portOf(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

func TestListenFirstFreePort(t *testing.T) {
	ctx := context.Background()
	lo := hold(t)
	r := Range{lo, min(lo+20, 65535)}
	ln, err := r.Listen(ctx, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := portOf(ln)
	if got <= lo || got > r.Hi {
		t.Fatalf("Listen(%v) with %d held bound %d, want a port after it in the range", r, lo, got)
	}
	// (Whether the ports between lo and got were in use then cannot be checked
	// afterwards without a race with other processes of this machine.)
	// The next Listen of the same range skips the port just bound too.
	ln2, err := r.Listen(ctx, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()
	if p := portOf(ln2); p <= got || p > r.Hi {
		t.Errorf("second Listen(%v) bound %d, want one after %d", r, p, got)
	}
}

func TestListenExhausted(t *testing.T) {
	p := hold(t)
	_, err := Range{p, p}.Listen(context.Background(), "127.0.0.1")
	if !errors.Is(err, ErrExhausted) || !strings.Contains(err.Error(), strconv.Itoa(p)) {
		t.Errorf("Listen on a held single port = %v, want ErrExhausted naming %d", err, p)
	}
}

func TestListenOtherErrorsFailAtOnce(t *testing.T) {
	// 192.0.2.1 (TEST-NET-1) is not this machine's: the bind fails with
	// "cannot assign requested address", which no other port would fix.
	_, err := Range{40000, 40100}.Listen(context.Background(), "192.0.2.1")
	if err == nil || errors.Is(err, ErrExhausted) || !strings.Contains(err.Error(), "port 40000 ") {
		t.Errorf("Listen on a foreign address = %v, want the first port's error", err)
	}
}

func TestListenAny(t *testing.T) {
	ln, err := Any.Listen(context.Background(), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if portOf(ln) == 0 {
		t.Error("Any bound port 0")
	}
}
