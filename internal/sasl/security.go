package sasl

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sync"
)

// Key-derivation magic strings of RFC 2831 sections 2.3 and 2.4.
const (
	magicSignC2S = "Digest session key to client-to-server signing key magic constant"
	magicSignS2C = "Digest session key to server-to-client signing key magic constant"
	magicSealC2S = "Digest H(A1) to client-to-server sealing key magic constant"
	magicSealS2C = "Digest H(A1) to server-to-client sealing key magic constant"
)

// Sizes of the parts of a protected message.
const (
	macLen     = 10 // truncated HMAC-MD5
	trailerLen = 6  // message type (2) + sequence number (4)
	overhead   = macLen + trailerLen
	msgType    = 1 // the only message type of RFC 2831
)

// sealCipher encrypts or decrypts one direction's data; state (RC4
// keystream position, CBC chaining value) carries over between calls.
type sealCipher interface {
	// blockSize is 1 for stream ciphers.
	blockSize() int
	// crypt transforms src into dst; len(src) is a multiple of blockSize.
	crypt(dst, src []byte)
}

// rc4Seal is the rc4, rc4-56 and rc4-40 ciphers.
type rc4Seal struct{ c *rc4.Cipher }

func (r rc4Seal) blockSize() int        { return 1 }
func (r rc4Seal) crypt(dst, src []byte) { r.c.XORKeyStream(dst, src) }

// cbcSeal is des or 3des in CBC mode.
type cbcSeal struct{ m cipher.BlockMode }

func (c cbcSeal) blockSize() int        { return c.m.BlockSize() }
func (c cbcSeal) crypt(dst, src []byte) { c.m.CryptBlocks(dst, src) }

// direction is the state of one direction of the security layer.
type direction struct {
	mu  sync.Mutex
	seq uint64     // next sequence number
	ki  []byte     // integrity key
	c   sealCipher // nil for auth-int
	err error      // sticky failure (receive direction only)
}

// securityLayer is the client side of an established RFC 2831 security
// layer: it sends with the client-to-server keys and receives with the
// server-to-client keys.
type securityLayer struct {
	send, recv direction
}

// newSecurityLayer derives the keys for qop (auth-int or auth-conf) and,
// for auth-conf, cipherName from ha1 = H(A1).
func newSecurityLayer(ha1 []byte, qop, cipherName string) (*securityLayer, error) {
	l := &securityLayer{}
	l.send.ki = deriveKey(ha1, magicSignC2S)
	l.recv.ki = deriveKey(ha1, magicSignS2C)
	if qop != qopAuthConf {
		return l, nil
	}
	n := md5.Size
	switch cipherName {
	case cipherRC440:
		n = 5
	case cipherRC456:
		n = 7
	}
	kcc := deriveKey(ha1[:n], magicSealC2S)
	kcs := deriveKey(ha1[:n], magicSealS2C)
	var err error
	if l.send.c, err = newSealCipher(cipherName, kcc, true); err != nil {
		return nil, err
	}
	if l.recv.c, err = newSealCipher(cipherName, kcs, false); err != nil {
		return nil, err
	}
	return l, nil
}

// deriveKey returns MD5(base ‖ magic).
func deriveKey(base []byte, magic string) []byte {
	h := md5.New()
	h.Write(base)
	h.Write([]byte(magic))
	return h.Sum(nil)
}

// newSealCipher builds the cipher for key kc (Kcc or Kcs). RC4 variants use
// all 16 bytes of kc. DES uses kc[0:7] and 3DES ("two keys" EDE) kc[0:7] and
// kc[7:14], each expanded to 8 bytes with parity; the CBC IV is kc[8:16].
func newSealCipher(name string, kc []byte, encrypt bool) (sealCipher, error) {
	switch name {
	case cipherRC4, cipherRC456, cipherRC440:
		c, err := rc4.NewCipher(kc)
		if err != nil {
			return nil, fmt.Errorf("creating %s cipher: %w", name, err)
		}
		return rc4Seal{c}, nil
	case cipherDES, cipher3DES:
		var block cipher.Block
		var err error
		if name == cipherDES {
			block, err = des.NewCipher(desKey(kc[0:7]))
		} else {
			k1, k2 := desKey(kc[0:7]), desKey(kc[7:14])
			key := make([]byte, 0, 24)
			key = append(append(append(key, k1...), k2...), k1...)
			block, err = des.NewTripleDESCipher(key)
		}
		if err != nil {
			return nil, fmt.Errorf("creating %s cipher: %w", name, err)
		}
		iv := kc[8:16]
		if encrypt {
			return cbcSeal{cipher.NewCBCEncrypter(block, iv)}, nil
		}
		return cbcSeal{cipher.NewCBCDecrypter(block, iv)}, nil
	}
	return nil, fmt.Errorf("unsupported cipher %q", name)
}

// desKey expands 7 key bytes (56 bits) to an 8-byte DES key: each output
// byte holds the next 7 bits in its high bits and an odd-parity low bit.
func desKey(k []byte) []byte {
	var v uint64
	for _, b := range k[:7] {
		v = v<<8 | uint64(b)
	}
	out := make([]byte, 8)
	for i := range out {
		b := byte(v>>(49-7*uint(i))) << 1
		if bits.OnesCount8(b)%2 == 0 {
			b |= 1
		}
		out[i] = b
	}
	return out
}

// computeMAC returns the first 10 bytes of HMAC-MD5(ki, seq(4, big-endian) ‖ msg).
func computeMAC(ki []byte, seq uint32, msg []byte) []byte {
	m := hmac.New(md5.New, ki)
	var s [4]byte
	binary.BigEndian.PutUint32(s[:], seq)
	m.Write(s[:])
	m.Write(msg)
	return m.Sum(nil)[:macLen]
}

// padLen returns the number of padding bytes (1..bs) that make n+pad+10 a
// multiple of bs, or 0 for a stream cipher.
func padLen(n, bs int) int {
	if bs <= 1 {
		return 0
	}
	return bs - (n+macLen)%bs
}

// maxPayload returns the largest message whose wrapped form is at most
// maxbuf bytes.
func (l *securityLayer) maxPayload(maxbuf int) int {
	n := maxbuf - overhead
	if c := l.send.c; c != nil && c.blockSize() > 1 {
		bs := c.blockSize()
		// The encrypted part (msg, 1..bs padding, MAC) is a whole number of
		// blocks and at most maxbuf-6 bytes.
		n = ((maxbuf-trailerLen)/bs)*bs - macLen - 1
	}
	if n < 0 {
		return 0
	}
	return n
}

// wrap protects msg with the send keys: msg ‖ MAC ‖ type ‖ seq for
// auth-int, CIPHER(msg ‖ padding ‖ MAC) ‖ type ‖ seq for auth-conf.
func (l *securityLayer) wrap(msg []byte) ([]byte, error) {
	s := &l.send
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seq > math.MaxUint32 {
		return nil, errors.New("sequence numbers exhausted")
	}
	seq := uint32(s.seq)
	mac := computeMAC(s.ki, seq, msg)
	var out []byte
	if s.c == nil {
		out = make([]byte, 0, len(msg)+overhead)
		out = append(out, msg...)
		out = append(out, mac...)
	} else {
		pad := padLen(len(msg), s.c.blockSize())
		out = make([]byte, len(msg)+pad+macLen, len(msg)+pad+overhead)
		copy(out, msg)
		for i := len(msg); i < len(msg)+pad; i++ {
			out[i] = byte(pad)
		}
		copy(out[len(msg)+pad:], mac)
		s.c.crypt(out, out)
	}
	out = binary.BigEndian.AppendUint16(out, msgType)
	out = binary.BigEndian.AppendUint32(out, seq)
	s.seq++
	return out, nil
}

// unwrap checks and opens a message protected with the receive keys. Any
// failure is remembered and repeated for every later message.
func (l *securityLayer) unwrap(msg []byte) ([]byte, error) {
	r := &l.recv
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, fmt.Errorf("an earlier message failed, refusing all later ones: %w", r.err)
	}
	out, err := r.open(msg)
	if err != nil {
		r.err = err
		return nil, err
	}
	r.seq++
	return out, nil
}

// open does the work of unwrap without updating the sequence number.
func (r *direction) open(msg []byte) ([]byte, error) {
	n := len(msg)
	if n < overhead {
		return nil, fmt.Errorf("message is shorter than the %d-byte MAC and trailer", overhead)
	}
	if t := binary.BigEndian.Uint16(msg[n-6 : n-4]); t != msgType {
		return nil, fmt.Errorf("message type is %d, want %d", t, msgType)
	}
	if r.seq > math.MaxUint32 {
		return nil, errors.New("sequence numbers exhausted")
	}
	if got := binary.BigEndian.Uint32(msg[n-4:]); got != uint32(r.seq) {
		return nil, fmt.Errorf("sequence number is %d, want %d (message replayed, reordered or lost)", got, r.seq)
	}
	var body, mac []byte
	if r.c == nil {
		body = msg[:n-overhead]
		mac = msg[n-overhead : n-trailerLen]
	} else {
		enc := msg[:n-trailerLen]
		bs := r.c.blockSize()
		if len(enc)%bs != 0 || len(enc) < macLen+padLen(0, bs) {
			return nil, fmt.Errorf("encrypted part is %d bytes, not a valid length for a %d-byte block", len(enc), bs)
		}
		plain := make([]byte, len(enc))
		r.c.crypt(plain, enc)
		body = plain[:len(plain)-macLen]
		mac = plain[len(plain)-macLen:]
		if bs > 1 {
			pad := int(body[len(body)-1])
			if pad < 1 || pad > bs || pad > len(body) {
				return nil, errors.New("bad padding after decryption (wrong key or altered message)")
			}
			for _, p := range body[len(body)-pad:] {
				if int(p) != pad {
					return nil, errors.New("bad padding after decryption (wrong key or altered message)")
				}
			}
			body = body[:len(body)-pad]
		}
	}
	if !hmac.Equal(mac, computeMAC(r.ki, uint32(r.seq), body)) {
		return nil, errors.New("MAC check failed (message altered or keys differ)")
	}
	if r.c == nil {
		// Do not alias the caller's buffer.
		out := make([]byte, len(body))
		copy(out, body)
		body = out
	}
	return body, nil
}
