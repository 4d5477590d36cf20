package ipc

// A test-only server side of DIGEST-MD5 (RFC 2831) with Hadoop's token
// conventions, written independently of internal/sasl so that the client
// is checked against a second implementation.

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// digestServer is one server-side authentication.
type digestServer struct {
	user, pass string // base64 of the token identifier / password
	uri        string // expected digest-uri
	realm      string
	nonce      string
	qops       []string // offered
	cipher     string   // offered auth-conf cipher ("rc4" only here)

	// Results.
	qop string
	ha1 []byte // raw H(A1)

	// Security layer state (server view).
	sendSeq, recvSeq uint32
	sendKi, recvKi   []byte
	sendRC4, recvRC4 *rc4.Cipher
}

func newDigestServer(tok *Token, qops ...string) *digestServer {
	nonce := make([]byte, 12)
	rand.Read(nonce)
	if len(qops) == 0 {
		qops = []string{"auth"}
	}
	return &digestServer{
		user:   base64.StdEncoding.EncodeToString(tok.Identifier),
		pass:   base64.StdEncoding.EncodeToString(tok.Password),
		uri:    "/default",
		realm:  "default",
		nonce:  base64.StdEncoding.EncodeToString(nonce),
		qops:   qops,
		cipher: "rc4",
	}
}

// challenge returns the digest-challenge in the layout Hadoop's server uses.
func (d *digestServer) challenge() []byte {
	s := fmt.Sprintf(`realm="%s",nonce="%s",qop="%s",charset=utf-8`, d.realm, d.nonce, strings.Join(d.qops, ","))
	for _, q := range d.qops {
		if q == "auth-conf" {
			s += `,cipher="` + d.cipher + `"`
		}
	}
	return []byte(s + ",algorithm=md5-sess")
}

// parseDigestFields splits key=value / key="quoted, value" lists.
func parseDigestFields(b []byte) (map[string]string, error) {
	out := map[string]string{}
	s := string(b)
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, fmt.Errorf("no '=' in %q", s)
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			var sb strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				sb.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated quoted value")
			}
			val = sb.String()
			s = s[i+1:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("duplicate %s", key)
		}
		out[key] = val
	}
	return out, nil
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// check verifies a digest-response and returns the rspauth final message.
func (d *digestServer) check(resp []byte) ([]byte, error) {
	f, err := parseDigestFields(resp)
	if err != nil {
		return nil, err
	}
	if f["username"] != d.user {
		return nil, fmt.Errorf("unknown user %q", f["username"])
	}
	if f["nonce"] != d.nonce {
		return nil, errors.New("nonce mismatch")
	}
	if f["digest-uri"] != d.uri {
		return nil, fmt.Errorf("digest-uri %q, want %q", f["digest-uri"], d.uri)
	}
	if f["nc"] != "00000001" {
		return nil, fmt.Errorf("nc = %q", f["nc"])
	}
	qop := f["qop"]
	if qop == "" {
		qop = "auth"
	}
	ok := false
	for _, q := range d.qops {
		ok = ok || q == qop
	}
	if !ok {
		return nil, fmt.Errorf("qop %q not offered", qop)
	}
	if qop == "auth-conf" && f["cipher"] != d.cipher {
		return nil, fmt.Errorf("cipher %q not offered", f["cipher"])
	}
	inner := md5.Sum([]byte(d.user + ":" + f["realm"] + ":" + d.pass))
	a1 := append(append([]byte{}, inner[:]...), []byte(":"+d.nonce+":"+f["cnonce"])...)
	ha1 := md5.Sum(a1)
	suffix := ""
	if qop != "auth" {
		suffix = ":00000000000000000000000000000000"
	}
	kd := func(a2 string) string {
		return md5hex([]byte(hex.EncodeToString(ha1[:]) + ":" + d.nonce + ":" + f["nc"] + ":" + f["cnonce"] + ":" + qop + ":" + md5hex([]byte(a2))))
	}
	if f["response"] != kd("AUTHENTICATE:"+d.uri+suffix) {
		return nil, errors.New("digest response mismatch")
	}
	d.qop = qop
	d.ha1 = ha1[:]
	if qop != "auth" {
		key := func(base []byte, magic string) []byte {
			h := md5.New()
			h.Write(base)
			h.Write([]byte(magic))
			return h.Sum(nil)
		}
		d.sendKi = key(d.ha1, "Digest session key to server-to-client signing key magic constant")
		d.recvKi = key(d.ha1, "Digest session key to client-to-server signing key magic constant")
		if qop == "auth-conf" {
			d.sendRC4, _ = rc4.NewCipher(key(d.ha1, "Digest H(A1) to server-to-client sealing key magic constant"))
			d.recvRC4, _ = rc4.NewCipher(key(d.ha1, "Digest H(A1) to client-to-server sealing key magic constant"))
		}
	}
	return []byte("rspauth=" + kd(":"+d.uri+suffix)), nil
}

func digestMAC(ki []byte, seq uint32, msg []byte) []byte {
	m := hmac.New(md5.New, ki)
	var s [4]byte
	binary.BigEndian.PutUint32(s[:], seq)
	m.Write(s[:])
	m.Write(msg)
	return m.Sum(nil)[:10]
}

// wrap protects a server-to-client message.
func (d *digestServer) wrap(msg []byte) []byte {
	mac := digestMAC(d.sendKi, d.sendSeq, msg)
	body := append(append([]byte{}, msg...), mac...)
	if d.sendRC4 != nil {
		d.sendRC4.XORKeyStream(body, body)
	}
	body = binary.BigEndian.AppendUint16(body, 1)
	body = binary.BigEndian.AppendUint32(body, d.sendSeq)
	d.sendSeq++
	return body
}

// unwrap checks a client-to-server message.
func (d *digestServer) unwrap(tok []byte) ([]byte, error) {
	if len(tok) < 16 {
		return nil, errors.New("short wrapped message")
	}
	n := len(tok)
	if binary.BigEndian.Uint16(tok[n-6:]) != 1 {
		return nil, errors.New("bad message type")
	}
	if seq := binary.BigEndian.Uint32(tok[n-4:]); seq != d.recvSeq {
		return nil, fmt.Errorf("seq %d, want %d", seq, d.recvSeq)
	}
	body := append([]byte{}, tok[:n-6]...)
	if d.recvRC4 != nil {
		d.recvRC4.XORKeyStream(body, body)
	}
	msg, mac := body[:len(body)-10], body[len(body)-10:]
	if !bytes.Equal(mac, digestMAC(d.recvKi, d.recvSeq, msg)) {
		return nil, errors.New("bad MAC")
	}
	d.recvSeq++
	return msg, nil
}
