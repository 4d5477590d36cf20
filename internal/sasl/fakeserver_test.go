package sasl

// An independent, deliberately plain server side of DIGEST-MD5 used by the
// round-trip tests. It shares no code with the package: it has its own
// response parser, its own A1/A2 arithmetic, key derivation, DES key
// expansion and message framing.

import (
	"bytes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

type fakeServer struct {
	user, pass, realm, nonce, uri string
	qops, ciphers                 string // offered (comma lists); ciphers may be ""
	maxbuf                        string // offered maxbuf, "" for none

	// Filled in by accept.
	qop, cipher      string
	kic, kis         []byte
	sendSeq, recvSeq uint32
	enc, dec         func(dst, src []byte) // nil for auth-int
	block            int
}

func newFakeServer(user, pass, qops, ciphers string) *fakeServer {
	return &fakeServer{
		user: user, pass: pass, realm: "default", nonce: "c2VydmVyLW5vbmNlLTEyMzQ1Njc4OTA=",
		uri: "/default", qops: qops, ciphers: ciphers,
	}
}

func (s *fakeServer) challenge() []byte {
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace
	c := fmt.Sprintf(`realm="%s",nonce="%s",qop="%s",charset=utf-8`, esc(s.realm), esc(s.nonce), s.qops)
	if s.ciphers != "" {
		c += fmt.Sprintf(`,cipher="%s"`, s.ciphers)
	}
	if s.maxbuf != "" {
		c += ",maxbuf=" + s.maxbuf
	}
	return []byte(c + ",algorithm=md5-sess")
}

var responseFieldRE = regexp.MustCompile(`^([a-z-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,"]*))(?:,|$)`)

// parseFields is the test's own parser for the client's response.
func parseFields(s string) (map[string]string, error) {
	out := map[string]string{}
	for s != "" {
		m := responseFieldRE.FindStringSubmatch(s)
		if m == nil {
			return nil, fmt.Errorf("cannot parse %q", s)
		}
		v := m[3]
		if strings.HasPrefix(m[0][len(m[1])+1:], `"`) {
			v = regexp.MustCompile(`\\(.)`).ReplaceAllString(m[2], "$1")
		}
		if _, dup := out[m[1]]; dup {
			return nil, fmt.Errorf("duplicate %s", m[1])
		}
		out[m[1]] = v
		s = s[len(m[0]):]
	}
	return out, nil
}

func hexMD5(s string) string { return fmt.Sprintf("%x", md5.Sum([]byte(s))) }

// testDESKey spreads 56 bits over 8 bytes, 7 bits per byte, bit by bit.
func testDESKey(k7 []byte) []byte {
	out := make([]byte, 8)
	for bit := 0; bit < 56; bit++ {
		if k7[bit/8]&(0x80>>(bit%8)) != 0 {
			out[bit/7] |= 0x80 >> (bit % 7)
		}
	}
	return out
}

// accept checks the client's response and returns the server's final
// message, setting up the server's security layer.
func (s *fakeServer) accept(resp []byte) ([]byte, error) {
	f, err := parseFields(string(resp))
	if err != nil {
		return nil, err
	}
	for k, want := range map[string]string{
		"charset": "utf-8", "username": s.user, "realm": s.realm, "nonce": s.nonce,
		"nc": "00000001", "digest-uri": s.uri, "maxbuf": "65536",
	} {
		if f[k] != want {
			return nil, fmt.Errorf("%s = %q, want %q", k, f[k], want)
		}
	}
	qop := f["qop"]
	if !strings.Contains(","+s.qops+",", ","+qop+",") {
		return nil, fmt.Errorf("qop %q was not offered", qop)
	}
	if len(f["cnonce"]) < 16 {
		return nil, fmt.Errorf("cnonce %q too short", f["cnonce"])
	}
	ha1 := md5.Sum([]byte(string(func() []byte { x := md5.Sum([]byte(s.user + ":" + s.realm + ":" + s.pass)); return x[:] }()) + ":" + s.nonce + ":" + f["cnonce"]))
	suffix := ""
	if qop != "auth" {
		suffix = ":00000000000000000000000000000000"
	}
	kd := func(a2 string) string {
		return hexMD5(fmt.Sprintf("%x:%s:00000001:%s:%s:%s", ha1, s.nonce, f["cnonce"], qop, hexMD5(a2)))
	}
	if f["response"] != kd("AUTHENTICATE:"+s.uri+suffix) {
		return nil, errors.New("bad response digest")
	}
	s.qop = qop
	sign := func(magic string) []byte { x := md5.Sum(append(ha1[:], magic...)); return x[:] }
	s.kic = sign("Digest session key to client-to-server signing key magic constant")
	s.kis = sign("Digest session key to server-to-client signing key magic constant")
	if qop == "auth-conf" {
		s.cipher = f["cipher"]
		n := 16
		if s.cipher == "rc4-40" {
			n = 5
		} else if s.cipher == "rc4-56" {
			n = 7
		}
		seal := func(magic string) []byte { x := md5.Sum(append(append([]byte{}, ha1[:n]...), magic...)); return x[:] }
		kcc := seal("Digest H(A1) to client-to-server sealing key magic constant")
		kcs := seal("Digest H(A1) to server-to-client sealing key magic constant")
		switch s.cipher {
		case "rc4", "rc4-56", "rc4-40":
			e, _ := rc4.NewCipher(kcs)
			d, _ := rc4.NewCipher(kcc)
			s.enc, s.dec, s.block = e.XORKeyStream, d.XORKeyStream, 1
		case "des", "3des":
			mk := func(kc []byte) cipher.Block {
				if s.cipher == "des" {
					b, _ := des.NewCipher(testDESKey(kc[:7]))
					return b
				}
				k := append(append(testDESKey(kc[:7]), testDESKey(kc[7:14])...), testDESKey(kc[:7])...)
				b, _ := des.NewTripleDESCipher(k)
				return b
			}
			s.enc = cipher.NewCBCEncrypter(mk(kcs), kcs[8:]).CryptBlocks
			s.dec = cipher.NewCBCDecrypter(mk(kcc), kcc[8:]).CryptBlocks
			s.block = 8
		default:
			return nil, fmt.Errorf("cipher %q", s.cipher)
		}
	}
	return []byte("rspauth=" + kd(":"+s.uri+suffix)), nil
}

func testMAC(key []byte, seq uint32, msg []byte) []byte {
	m := hmac.New(md5.New, key)
	m.Write(binary.BigEndian.AppendUint32(nil, seq))
	m.Write(msg)
	return m.Sum(nil)[:10]
}

// wrap protects a server-to-client message.
func (s *fakeServer) wrap(msg []byte) []byte {
	mac := testMAC(s.kis, s.sendSeq, msg)
	var body []byte
	if s.enc == nil {
		body = append(append([]byte{}, msg...), mac...)
	} else {
		var pad []byte
		if s.block > 1 {
			p := 8 - (len(msg)+10)%8
			pad = bytes.Repeat([]byte{byte(p)}, p)
		}
		body = append(append(append([]byte{}, msg...), pad...), mac...)
		s.enc(body, body)
	}
	out := append(body, 0, 1)
	out = binary.BigEndian.AppendUint32(out, s.sendSeq)
	s.sendSeq++
	return out
}

// unwrap checks a client-to-server message.
func (s *fakeServer) unwrap(w []byte) ([]byte, error) {
	if len(w) < 16 {
		return nil, errors.New("short")
	}
	body, trailer := w[:len(w)-6], w[len(w)-6:]
	if !bytes.Equal(trailer[:2], []byte{0, 1}) || binary.BigEndian.Uint32(trailer[2:]) != s.recvSeq {
		return nil, fmt.Errorf("bad trailer %x (want seq %d)", trailer, s.recvSeq)
	}
	if s.dec != nil {
		if len(body)%s.block != 0 {
			return nil, errors.New("not block aligned")
		}
		plain := make([]byte, len(body))
		s.dec(plain, body)
		body = plain
	}
	msg, mac := body[:len(body)-10], body[len(body)-10:]
	if s.block > 1 {
		p := int(msg[len(msg)-1])
		if p < 1 || p > 8 || !bytes.Equal(msg[len(msg)-p:], bytes.Repeat([]byte{byte(p)}, p)) {
			return nil, errors.New("bad padding")
		}
		msg = msg[:len(msg)-p]
	}
	if !hmac.Equal(mac, testMAC(s.kic, s.recvSeq, msg)) {
		return nil, errors.New("bad MAC")
	}
	s.recvSeq++
	return msg, nil
}

// handshake runs Respond/accept/Verify between d and s.
func handshake(d *DigestMD5, s *fakeServer) error {
	resp, err := d.Respond(s.challenge())
	if err != nil {
		return err
	}
	final, err := s.accept(resp)
	if err != nil {
		return fmt.Errorf("server rejected %s: %w", resp, err)
	}
	return d.Verify(final)
}
