package sasl

import (
	"bytes"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/types"
)

// krb5OID is the DER encoding (tag, length, value) of the Kerberos V5
// GSS-API mechanism OID 1.2.840.113554.1.2.2 (RFC 1964).
var krb5OID = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02}

// Token identifiers of RFC 1964/4121 context tokens.
var (
	tokAPReq    = [2]byte{0x01, 0x00}
	tokAPRep    = [2]byte{0x02, 0x00}
	tokKRBError = [2]byte{0x03, 0x00}
	tokWrap     = [2]byte{0x05, 0x04}
)

// Flags of RFC 4121 per-message tokens.
const (
	flagSentByAcceptor = 0x01
	flagSealed         = 0x02
	flagAcceptorSubkey = 0x04
)

// wrapHeaderLen is the size of an RFC 4121 token header.
const wrapHeaderLen = 16

// frameContextToken wraps a Kerberos message in the GSS-API
// InitialContextToken framing of RFC 2743 section 3.1: [APPLICATION 0]
// { mechanism OID, token id, message }.
func frameContextToken(id [2]byte, msg []byte) []byte {
	inner := len(krb5OID) + 2 + len(msg)
	out := []byte{0x60}
	out = appendDERLength(out, inner)
	out = append(out, krb5OID...)
	out = append(out, id[:]...)
	return append(out, msg...)
}

// appendDERLength appends a DER definite length.
func appendDERLength(b []byte, n int) []byte {
	if n < 0x80 {
		return append(b, byte(n))
	}
	var tmp [8]byte
	i := len(tmp)
	for v := n; v > 0; v >>= 8 {
		i--
		tmp[i] = byte(v)
	}
	b = append(b, 0x80|byte(len(tmp)-i))
	return append(b, tmp[i:]...)
}

// parseContextToken removes the RFC 2743 framing and returns the token id
// and the Kerberos message.
func parseContextToken(b []byte) (id [2]byte, msg []byte, err error) {
	if len(b) < 2 || b[0] != 0x60 {
		return id, nil, errors.New("not a GSS-API context token (no [APPLICATION 0] tag)")
	}
	n, rest, err := readDERLength(b[1:])
	if err != nil {
		return id, nil, err
	}
	if n != len(rest) {
		return id, nil, fmt.Errorf("GSS-API token length %d does not match the %d bytes present", n, len(rest))
	}
	if !bytes.HasPrefix(rest, krb5OID) {
		return id, nil, errors.New("GSS-API token is not for the Kerberos V5 mechanism")
	}
	rest = rest[len(krb5OID):]
	if len(rest) < 2 {
		return id, nil, errors.New("GSS-API token has no token id")
	}
	copy(id[:], rest[:2])
	return id, rest[2:], nil
}

// readDERLength decodes a DER definite length.
func readDERLength(b []byte) (int, []byte, error) {
	if len(b) == 0 {
		return 0, nil, errors.New("truncated DER length")
	}
	if b[0] < 0x80 {
		return int(b[0]), b[1:], nil
	}
	k := int(b[0] & 0x7f)
	if k == 0 || k > 4 || len(b) < 1+k {
		return 0, nil, errors.New("bad DER length")
	}
	n := 0
	for _, c := range b[1 : 1+k] {
		n = n<<8 | int(c)
	}
	return n, b[1+k:], nil
}

// wrapKeys is the key material of an established context for RFC 4121
// Wrap tokens.
type wrapKeys struct {
	key            types.EncryptionKey
	acceptorSubkey bool // key is the acceptor's subkey (flag 0x04)
}

// wrapToken builds an RFC 4121 Wrap token from the initiator: sealed
// (encrypted and integrity protected) when conf is set, otherwise
// integrity protected only. RRC is 0 and, for sealed tokens, EC (filler)
// is 0, which every AES and later enctype allows.
func (k wrapKeys) wrapToken(seq uint64, payload []byte, conf bool) ([]byte, error) {
	et, err := crypto.GetEtype(k.key.KeyType)
	if err != nil {
		return nil, err
	}
	flags := byte(0)
	if k.acceptorSubkey {
		flags |= flagAcceptorSubkey
	}
	if conf {
		flags |= flagSealed
		hdr := wrapHeader(flags, 0, 0, seq)
		pt := make([]byte, 0, len(payload)+wrapHeaderLen)
		pt = append(append(pt, payload...), hdr...)
		_, ct, err := et.EncryptMessage(k.key.KeyValue, pt, keyusage.GSSAPI_INITIATOR_SEAL)
		if err != nil {
			return nil, fmt.Errorf("encrypting wrap token: %w", err)
		}
		return append(hdr, ct...), nil
	}
	ec := uint16(et.GetHMACBitLength() / 8)
	signed := make([]byte, 0, len(payload)+wrapHeaderLen)
	signed = append(append(signed, payload...), wrapHeader(flags, 0, 0, seq)...)
	sum, err := et.GetChecksumHash(k.key.KeyValue, signed, keyusage.GSSAPI_INITIATOR_SEAL)
	if err != nil {
		return nil, fmt.Errorf("checksumming wrap token: %w", err)
	}
	out := wrapHeader(flags, ec, 0, seq)
	out = append(out, payload...)
	return append(out, sum...), nil
}

// wrapHeader returns a 16-byte Wrap token header.
func wrapHeader(flags byte, ec, rrc uint16, seq uint64) []byte {
	h := make([]byte, wrapHeaderLen)
	copy(h, tokWrap[:])
	h[2] = flags
	h[3] = 0xff
	binary.BigEndian.PutUint16(h[4:6], ec)
	binary.BigEndian.PutUint16(h[6:8], rrc)
	binary.BigEndian.PutUint64(h[8:16], seq)
	return h
}

// unwrapToken checks an RFC 4121 Wrap token from the acceptor and returns
// its payload, its sequence number and whether it was sealed.
func (k wrapKeys) unwrapToken(tok []byte) (payload []byte, seq uint64, sealed bool, err error) {
	if len(tok) < wrapHeaderLen {
		return nil, 0, false, errors.New("wrap token shorter than its header")
	}
	if tok[0] != tokWrap[0] || tok[1] != tokWrap[1] {
		return nil, 0, false, fmt.Errorf("not an RFC 4121 wrap token (id %02x%02x; RFC 1964 enctypes such as RC4 and DES are not supported)", tok[0], tok[1])
	}
	flags := tok[2]
	if flags&flagSentByAcceptor == 0 {
		return nil, 0, false, errors.New("wrap token was not sent by the acceptor (reflected message?)")
	}
	if (flags&flagAcceptorSubkey != 0) != k.acceptorSubkey {
		return nil, 0, false, errors.New("wrap token's acceptor-subkey flag does not match the context")
	}
	if tok[3] != 0xff {
		return nil, 0, false, errors.New("wrap token filler byte is not 0xff")
	}
	ec := int(binary.BigEndian.Uint16(tok[4:6]))
	rrc := int(binary.BigEndian.Uint16(tok[6:8]))
	seq = binary.BigEndian.Uint64(tok[8:16])
	body := rotateLeft(tok[wrapHeaderLen:], rrc)
	et, err := crypto.GetEtype(k.key.KeyType)
	if err != nil {
		return nil, 0, false, err
	}
	if flags&flagSealed != 0 {
		payload, err = k.openSealed(et, tok[:wrapHeaderLen], body, ec)
		return payload, seq, true, err
	}
	n := et.GetHMACBitLength() / 8
	if ec != n || len(body) < n {
		return nil, 0, false, fmt.Errorf("wrap token checksum length %d, want %d", ec, n)
	}
	payload, sum := body[:len(body)-n], body[len(body)-n:]
	signed := make([]byte, 0, len(payload)+wrapHeaderLen)
	signed = append(append(signed, payload...), wrapHeader(flags, 0, 0, seq)...)
	want, err := et.GetChecksumHash(k.key.KeyValue, signed, keyusage.GSSAPI_ACCEPTOR_SEAL)
	if err != nil {
		return nil, 0, false, err
	}
	if !hmac.Equal(sum, want) {
		return nil, 0, false, errors.New("wrap token checksum does not verify (altered message or wrong key)")
	}
	return append([]byte(nil), payload...), seq, false, nil
}

// openSealed decrypts the body of a sealed Wrap token and checks the
// encrypted copy of the header.
func (k wrapKeys) openSealed(et interface {
	DecryptMessage(key, ct []byte, usage uint32) ([]byte, error)
	GetHMACBitLength() int
	GetConfounderByteSize() int
}, hdr, body []byte, ec int) ([]byte, error) {
	if len(body) < et.GetHMACBitLength()/8+et.GetConfounderByteSize()+wrapHeaderLen+ec {
		return nil, errors.New("sealed wrap token too short")
	}
	pt, err := et.DecryptMessage(k.key.KeyValue, body, keyusage.GSSAPI_ACCEPTOR_SEAL)
	if err != nil {
		return nil, fmt.Errorf("decrypting wrap token: %v", err)
	}
	if len(pt) < wrapHeaderLen+ec {
		return nil, errors.New("decrypted wrap token too short")
	}
	inner := pt[len(pt)-wrapHeaderLen:]
	// The encrypted header copy has RRC 0; everything else must match.
	if !bytes.Equal(inner[:6], hdr[:6]) || !bytes.Equal(inner[8:], hdr[8:]) || inner[6] != 0 || inner[7] != 0 {
		return nil, errors.New("encrypted header of wrap token does not match its plain header")
	}
	return pt[:len(pt)-wrapHeaderLen-ec], nil
}

// rotateLeft undoes the right rotation by rrc bytes of RFC 4121 section
// 4.2.5.
func rotateLeft(b []byte, rrc int) []byte {
	if len(b) == 0 {
		return b
	}
	rrc %= len(b)
	out := make([]byte, 0, len(b))
	return append(append(out, b[rrc:]...), b[:rrc]...)
}
