package sasl

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

// layerCase is one negotiated security layer.
type layerCase struct{ qop, cipher string }

func layerCases() []layerCase {
	return []layerCase{
		{"auth-int", ""},
		{"auth-conf", "rc4"},
		{"auth-conf", "rc4-56"},
		{"auth-conf", "rc4-40"},
		{"auth-conf", "des"},
		{"auth-conf", "3des"},
	}
}

func (c layerCase) String() string {
	if c.cipher == "" {
		return c.qop
	}
	return c.qop + "-" + c.cipher
}

// establish authenticates a fresh client against a fresh fake server so that
// the given layer is negotiated.
func establish(t testing.TB, c layerCase) (*DigestMD5, *fakeServer) {
	t.Helper()
	s := newFakeServer("CgsKCQgBEJnWwdOHMxAB", "kXbkn5tXxMy2D+0/j1m+ZQ==", c.qop, c.cipher)
	d := NewDigestMD5(s.user, s.pass, "", "default")
	fixedCnonce(d, "0123456789abcdef0123456789abcdef")
	if err := handshake(d, s); err != nil {
		t.Fatal(err)
	}
	if d.QOP() != c.qop || d.Cipher() != c.cipher {
		t.Fatalf("negotiated %s/%s, want %s", d.QOP(), d.Cipher(), c)
	}
	return d, s
}

func TestRoundTrip(t *testing.T) {
	for _, c := range layerCases() {
		t.Run(c.String(), func(t *testing.T) {
			d, s := establish(t, c)
			for i := 0; i < 40; i++ {
				msg := bytes.Repeat([]byte{byte(i)}, i*7%61)
				w, err := d.Wrap(msg)
				if err != nil {
					t.Fatal(err)
				}
				if got := binary.BigEndian.Uint32(w[len(w)-4:]); got != uint32(i) {
					t.Fatalf("message %d carries sequence number %d", i, got)
				}
				if c.qop == "auth-int" && !bytes.Equal(w[:len(msg)], msg) {
					t.Fatalf("auth-int must not encrypt")
				}
				if c.qop == "auth-conf" && len(msg) > 4 && bytes.Contains(w, msg) {
					t.Fatalf("auth-conf left the message in clear")
				}
				p, err := s.unwrap(w)
				if err != nil {
					t.Fatalf("server could not unwrap message %d: %v", i, err)
				}
				if !bytes.Equal(p, msg) {
					t.Fatalf("server got %x, want %x", p, msg)
				}

				back := []byte(fmt.Sprintf("reply %d %s", i, strings.Repeat("#", i)))
				got, err := d.Unwrap(s.wrap(back))
				if err != nil {
					t.Fatalf("reply %d: %v", i, err)
				}
				if !bytes.Equal(got, back) {
					t.Fatalf("reply %d = %q, want %q", i, got, back)
				}
			}
		})
	}
}

func TestUnwrapDoesNotAlias(t *testing.T) {
	d, s := establish(t, layerCase{"auth-int", ""})
	w := s.wrap([]byte("hello"))
	got, err := d.Unwrap(w)
	if err != nil {
		t.Fatal(err)
	}
	w[0] = 'X'
	if string(got) != "hello" {
		t.Fatal("Unwrap result aliases the input")
	}
	in := []byte("abc")
	out, err := d.Wrap(in)
	if err != nil {
		t.Fatal(err)
	}
	out[0] = 'X'
	if string(in) != "abc" {
		t.Fatal("Wrap modified its input")
	}
}

func TestUnwrapRejects(t *testing.T) {
	type attack struct {
		name   string
		mangle func(s *fakeServer) []byte
		want   string
	}
	attacks := []attack{
		{"tampered-mac", func(s *fakeServer) []byte {
			w := s.wrap([]byte("pay me 100"))
			w[len(w)-7] ^= 1 // last MAC byte (encrypted for auth-conf)
			return w
		}, ""},
		{"tampered-body", func(s *fakeServer) []byte {
			w := s.wrap([]byte("pay me 100 dollars please"))
			w[0] ^= 0x80
			return w
		}, ""},
		{"replay", func(s *fakeServer) []byte {
			return s.wrap([]byte("first")) // returned twice by the test below
		}, "sequence number"},
		{"out-of-order", func(s *fakeServer) []byte {
			s.wrap([]byte("lost"))
			return s.wrap([]byte("second"))
		}, "sequence number is 1, want 0"},
		{"wrong-type", func(s *fakeServer) []byte {
			w := s.wrap([]byte("x"))
			w[len(w)-5] = 2
			return w
		}, "message type"},
		{"truncated", func(s *fakeServer) []byte {
			return s.wrap([]byte("x"))[:15]
		}, "shorter"},
		{"trailer-only", func(s *fakeServer) []byte {
			w := s.wrap([]byte("0123456789abcdef"))
			return w[len(w)-16:]
		}, ""},
		{"empty", func(s *fakeServer) []byte { return nil }, "shorter"},
		{"client-key-reflected", func(s *fakeServer) []byte {
			// A message made with the client-to-server keys must not be
			// accepted by the client (reflection).
			s.kis, s.kic = s.kic, s.kis
			return s.wrap([]byte("reflected"))
		}, ""},
	}
	for _, c := range layerCases() {
		for _, a := range attacks {
			t.Run(c.String()+"/"+a.name, func(t *testing.T) {
				d, s := establish(t, c)
				w := a.mangle(s)
				if a.name == "replay" {
					if _, err := d.Unwrap(w); err != nil {
						t.Fatal(err)
					}
				}
				_, err := d.Unwrap(w)
				if err == nil {
					t.Fatal("accepted")
				}
				if a.want != "" && !strings.Contains(err.Error(), a.want) {
					t.Fatalf("err = %v, want %q", err, a.want)
				}
				// Failures are sticky: even a genuine message is refused now.
				if _, err := d.Unwrap(s.wrap([]byte("genuine"))); err == nil || !strings.Contains(err.Error(), "earlier message failed") {
					t.Fatalf("after a failure: %v", err)
				}
				// The send direction is unaffected.
				if _, err := d.Wrap([]byte("still sending")); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestUnwrapRejectsBadBlockLength(t *testing.T) {
	for _, ciph := range []string{"des", "3des"} {
		d, s := establish(t, layerCase{"auth-conf", ciph})
		w := s.wrap([]byte("abc"))
		// Drop one byte of ciphertext but keep the trailer.
		bad := append(append([]byte{}, w[:len(w)-7]...), w[len(w)-6:]...)
		if _, err := d.Unwrap(bad); err == nil || !strings.Contains(err.Error(), "not a valid length") {
			t.Fatalf("%s: err = %v", ciph, err)
		}
	}
}

func TestUnwrapRejectsBadPadding(t *testing.T) {
	// Re-encrypt a message whose padding byte is out of range, with a valid
	// MAC, using the fake server's cipher state.
	for _, ciph := range []string{"des", "3des"} {
		for _, padByte := range []byte{0, 9, 3} {
			d, s := establish(t, layerCase{"auth-conf", ciph})
			msg := []byte("abcdef") // 6 + 10 = 16: a valid pad would be 8
			mac := testMAC(s.kis, 0, msg)
			body := append(append(append([]byte{}, msg...), bytes.Repeat([]byte{8}, 7)...), padByte)
			body = append(body, mac...)
			s.enc(body, body)
			w := binary.BigEndian.AppendUint32(append(body, 0, 1), 0)
			if _, err := d.Unwrap(w); err == nil || !strings.Contains(err.Error(), "padding") {
				t.Fatalf("%s pad %d: err = %v", ciph, padByte, err)
			}
		}
	}
}

func TestMaxWrapSize(t *testing.T) {
	for _, c := range layerCases() {
		for _, maxbuf := range []string{"", "1000", "17"} {
			t.Run(c.String()+"/"+maxbuf, func(t *testing.T) {
				s := newFakeServer("u", "p", c.qop, c.cipher)
				s.maxbuf = maxbuf
				d := NewDigestMD5("u", "p", "", "default")
				if err := handshake(d, s); err != nil {
					t.Fatal(err)
				}
				limit := 65536
				if maxbuf != "" {
					fmt.Sscan(maxbuf, &limit)
				}
				n := d.MaxWrapSize()
				if n < 0 || n > limit-16 {
					t.Fatalf("MaxWrapSize = %d for maxbuf %d", n, limit)
				}
				w, err := d.Wrap(make([]byte, n))
				if err != nil {
					t.Fatal(err)
				}
				if len(w) > limit && n > 0 {
					t.Fatalf("wrapped %d bytes into %d > maxbuf %d", n, len(w), limit)
				}
				w, err = d.Wrap(make([]byte, n+1))
				if err != nil {
					t.Fatal(err)
				}
				if len(w) <= limit && limit > 32 {
					t.Fatalf("MaxWrapSize %d is not the largest: %d bytes wrap to %d", n, n+1, len(w))
				}
			})
		}
	}
}

func TestConcurrentWrapUnwrap(t *testing.T) {
	for _, c := range []layerCase{{"auth-int", ""}, {"auth-conf", "rc4"}, {"auth-conf", "3des"}} {
		t.Run(c.String(), func(t *testing.T) {
			d, s := establish(t, c)
			const n = 200
			// Pre-wrap the server's messages; they must be unwrapped in order.
			incoming := make([][]byte, n)
			for i := range incoming {
				incoming[i] = s.wrap([]byte(fmt.Sprintf("in %d", i)))
			}
			var mu sync.Mutex
			var outgoing [][]byte
			var wg sync.WaitGroup
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for i := 0; i < n/4; i++ {
						w, err := d.Wrap([]byte(fmt.Sprintf("out %d %d", g, i)))
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						outgoing = append(outgoing, w)
						mu.Unlock()
					}
				}(g)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, w := range incoming {
					p, err := d.Unwrap(w)
					if err != nil || string(p) != fmt.Sprintf("in %d", i) {
						t.Errorf("incoming %d: %q %v", i, p, err)
						return
					}
				}
			}()
			wg.Wait()
			// The server sees the client's messages in sequence-number order.
			sort.Slice(outgoing, func(i, j int) bool {
				return binary.BigEndian.Uint32(outgoing[i][len(outgoing[i])-4:]) < binary.BigEndian.Uint32(outgoing[j][len(outgoing[j])-4:])
			})
			for i, w := range outgoing {
				if _, err := s.unwrap(w); err != nil {
					t.Fatalf("outgoing %d: %v", i, err)
				}
			}
		})
	}
}

func TestDESKeyExpansion(t *testing.T) {
	inputs := [][]byte{
		make([]byte, 7),
		bytes.Repeat([]byte{0xff}, 7),
		{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd},
		{0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01},
	}
	for _, in := range inputs {
		got := desKey(in)
		ref := testDESKey(in)
		for i := range got {
			if got[i]&0xfe != ref[i] {
				t.Fatalf("desKey(%x) = %x, key bits want %x", in, got, ref)
			}
			ones := 0
			for b := got[i]; b != 0; b >>= 1 {
				ones += int(b & 1)
			}
			if ones%2 != 1 {
				t.Fatalf("desKey(%x) byte %d = %#x has even parity", in, i, got[i])
			}
		}
	}
	if got := desKey(make([]byte, 7)); !bytes.Equal(got, bytes.Repeat([]byte{0x01}, 8)) {
		t.Fatalf("zero key = %x", got)
	}
	if got := desKey(bytes.Repeat([]byte{0xff}, 7)); !bytes.Equal(got, bytes.Repeat([]byte{0xfe}, 8)) {
		t.Fatalf("all-ones key = %x", got)
	}
	// 0x80 00.. 01: first bit lands in the top of byte 0, last bit in bit 1 of byte 7.
	if got := desKey([]byte{0x80, 0, 0, 0, 0, 0, 0x01}); got[0] != 0x80 || got[7] != 0x02 {
		t.Fatalf("bit placement: %x", got)
	}
}

func TestSequenceExhaustion(t *testing.T) {
	d, s := establish(t, layerCase{"auth-int", ""})
	d.layer.send.seq = 1<<32 - 1
	if _, err := d.Wrap([]byte("last")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wrap([]byte("one too many")); err == nil || !strings.Contains(err.Error(), "exhausted") {
		t.Fatalf("err = %v", err)
	}
	d.layer.recv.seq = 1 << 32
	if _, err := d.Unwrap(s.wrap([]byte("x"))); err == nil {
		t.Fatal("Unwrap past the last sequence number succeeded")
	}
}
