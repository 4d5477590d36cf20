package sasl

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/types"
)

// testKey returns a random key of etype.
func testKey(t *testing.T, etype int32) types.EncryptionKey {
	t.Helper()
	et, err := crypto.GetEtype(etype)
	if err != nil {
		t.Fatal(err)
	}
	k := make([]byte, et.GetKeyByteSize())
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return types.EncryptionKey{KeyType: etype, KeyValue: k}
}

// acceptorWrap builds a Wrap token as the server (acceptor) would,
// independently of the client code: flags 0x01 (| 0x02 sealed | 0x04
// acceptor subkey), right-rotated by rrc.
func acceptorWrap(t *testing.T, key types.EncryptionKey, subkey bool, seq uint64, payload []byte, conf bool, rrc int) []byte {
	t.Helper()
	et, _ := crypto.GetEtype(key.KeyType)
	flags := byte(0x01)
	if subkey {
		flags |= 0x04
	}
	hdr := func(f byte, ec, r uint16) []byte {
		h := []byte{0x05, 0x04, f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint16(h[4:], ec)
		binary.BigEndian.PutUint16(h[6:], r)
		binary.BigEndian.PutUint64(h[8:], seq)
		return h
	}
	var body []byte
	var ec uint16
	if conf {
		flags |= 0x02
		_, ct, err := et.EncryptMessage(key.KeyValue, append(append([]byte{}, payload...), hdr(flags, 0, 0)...), keyusage.GSSAPI_ACCEPTOR_SEAL)
		if err != nil {
			t.Fatal(err)
		}
		body = ct
	} else {
		ec = uint16(et.GetHMACBitLength() / 8)
		sum, err := et.GetChecksumHash(key.KeyValue, append(append([]byte{}, payload...), hdr(flags, 0, 0)...), keyusage.GSSAPI_ACCEPTOR_SEAL)
		if err != nil {
			t.Fatal(err)
		}
		body = append(append([]byte{}, payload...), sum...)
	}
	if len(body) > 0 {
		r := rrc % len(body)
		body = append(append([]byte{}, body[len(body)-r:]...), body[:len(body)-r]...)
	}
	return append(hdr(flags, ec, uint16(rrc)), body...)
}

// acceptorUnwrap opens a client Wrap token the way a server would.
func acceptorUnwrap(t *testing.T, key types.EncryptionKey, tok []byte) ([]byte, uint64) {
	t.Helper()
	et, _ := crypto.GetEtype(key.KeyType)
	if tok[0] != 0x05 || tok[1] != 0x04 || tok[2]&0x01 != 0 {
		t.Fatalf("bad client token header % x", tok[:4])
	}
	seq := binary.BigEndian.Uint64(tok[8:16])
	if tok[2]&0x02 != 0 {
		pt, err := et.DecryptMessage(key.KeyValue, tok[16:], keyusage.GSSAPI_INITIATOR_SEAL)
		if err != nil {
			t.Fatalf("server cannot decrypt the client's token: %v", err)
		}
		return pt[:len(pt)-16], seq
	}
	n := et.GetHMACBitLength() / 8
	payload, sum := tok[16:len(tok)-n], tok[len(tok)-n:]
	h := append([]byte{}, tok[:16]...)
	h[4], h[5], h[6], h[7] = 0, 0, 0, 0
	want, _ := et.GetChecksumHash(key.KeyValue, append(append([]byte{}, payload...), h...), keyusage.GSSAPI_INITIATOR_SEAL)
	if !bytes.Equal(sum, want) {
		t.Fatal("server cannot verify the client's token checksum")
	}
	return payload, seq
}

// established returns a GSSAPI in the state after the AP-REP.
func established(key types.EncryptionKey, subkey bool, sendSeq, recvSeq uint64) *GSSAPI {
	return &GSSAPI{state: gssAwaitLayers, keys: wrapKeys{key: key, acceptorSubkey: subkey}, sendSeq: sendSeq, recvSeq: recvSeq}
}

func TestGSSAPISecurityLayerNegotiation(t *testing.T) {
	for _, c := range []struct {
		name    string
		mask    byte
		allowed []string
		want    string
		layer   byte
	}{
		{"strongest", 0x07, nil, "auth-conf", 4},
		{"integrity only offered", 0x02, nil, "auth-int", 2},
		{"client restricts", 0x07, []string{"integrity"}, "auth-int", 2},
		{"auth", 0x01, []string{"authentication,privacy"}, "auth", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := testKey(t, etypeID.AES256_CTS_HMAC_SHA1_96)
			g := established(key, true, 100, 7)
			g.SetQOPs() // no-op after Start; restriction set below
			d := &DigestMD5{}
			d.SetQOPs(c.allowed...)
			g.allowed = d.allowed
			offer := acceptorWrap(t, key, true, 7, []byte{c.mask, 0x01, 0x00, 0x00}, false, 0)
			resp, err := g.Step(offer)
			if err != nil {
				t.Fatal(err)
			}
			if !g.Complete() || g.QOP() != c.want {
				t.Fatalf("complete %v qop %q, want %q", g.Complete(), g.QOP(), c.want)
			}
			choice, seq := acceptorUnwrap(t, key, resp)
			if seq != 100 || len(choice) != 4 || choice[0] != c.layer {
				t.Fatalf("choice % x seq %d", choice, seq)
			}
			if c.layer != 1 && g.MaxWrapSize() <= 0 {
				t.Errorf("MaxWrapSize %d", g.MaxWrapSize())
			}
		})
	}
	key := testKey(t, etypeID.AES128_CTS_HMAC_SHA1_96)
	g := established(key, false, 1, 1)
	g.allowed = []string{"auth"}
	_, err := g.Step(acceptorWrap(t, key, false, 1, []byte{0x04, 0, 0x10, 0}, false, 0))
	if err == nil || !strings.Contains(err.Error(), "no common protection layer") {
		t.Fatalf("privacy-only server, auth-only client: %v", err)
	}
}

func TestGSSAPIWrapUnwrap(t *testing.T) {
	for _, et := range []int32{etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA256_128} {
		for _, qop := range []string{"auth-int", "auth-conf"} {
			key := testKey(t, et)
			g := established(key, et != etypeID.AES128_CTS_HMAC_SHA1_96, 50, 9)
			g.state, g.qop = gssComplete, qop
			msg := []byte("hrpc packet bytes")
			tok, err := g.Wrap(msg)
			if err != nil {
				t.Fatal(err)
			}
			got, seq := acceptorUnwrap(t, key, tok)
			if !bytes.Equal(got, msg) || seq != 50 {
				t.Errorf("etype %d %s: server read %q seq %d", et, qop, got, seq)
			}
			if qop == "auth-conf" && bytes.Contains(tok, msg) {
				t.Errorf("auth-conf token contains the plaintext")
			}
			conf := qop == "auth-conf"
			for i, rrc := range []int{0, 28, 5} {
				in := acceptorWrap(t, key, g.keys.acceptorSubkey, 9+uint64(i), []byte("reply"), conf, rrc)
				out, err := g.Unwrap(in)
				if err != nil || string(out) != "reply" {
					t.Fatalf("etype %d %s rrc %d: %q, %v", et, qop, rrc, out, err)
				}
			}
		}
	}
}

func TestGSSAPIUnwrapRejects(t *testing.T) {
	key := testKey(t, etypeID.AES256_CTS_HMAC_SHA1_96)
	mk := func() *GSSAPI {
		g := established(key, true, 0, 5)
		g.state, g.qop = gssComplete, "auth-conf"
		return g
	}
	good := acceptorWrap(t, key, true, 5, []byte("x"), true, 0)
	tampered := append([]byte{}, good...)
	tampered[len(tampered)-1] ^= 1
	for name, tok := range map[string][]byte{
		"tampered":       tampered,
		"wrong sequence": acceptorWrap(t, key, true, 6, []byte("x"), true, 0),
		"unsealed":       acceptorWrap(t, key, true, 5, []byte("x"), false, 0),
		"no subkey flag": acceptorWrap(t, key, false, 5, []byte("x"), true, 0),
		"short":          good[:10],
		"reflected":      append([]byte{0x05, 0x04, 0x06}, good[3:]...),
	} {
		g := mk()
		if _, err := g.Unwrap(tok); err == nil {
			t.Errorf("%s: accepted", name)
		}
		// Failures are permanent.
		if _, err := g.Unwrap(good); err == nil {
			t.Errorf("%s: a good token was accepted after a failure", name)
		}
	}
	g := &GSSAPI{}
	if _, err := g.Wrap([]byte("x")); err == nil {
		t.Error("Wrap before authentication succeeded")
	}
}

func TestContextTokenFraming(t *testing.T) {
	big := bytes.Repeat([]byte{0xab}, 300)
	for _, msg := range [][]byte{{1, 2, 3}, big} {
		tok := frameContextToken(tokAPRep, msg)
		id, got, err := parseContextToken(tok)
		if err != nil || id != tokAPRep || !bytes.Equal(got, msg) {
			t.Fatalf("round trip of %d bytes: id %x err %v", len(msg), id, err)
		}
	}
	for _, bad := range [][]byte{nil, {0x61, 0}, {0x60, 5, 1}, frameContextToken(tokAPRep, nil)[:12]} {
		if _, _, err := parseContextToken(bad); err == nil {
			t.Errorf("parsed % x", bad)
		}
	}
}
