package sasl

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

// fixedCnonce makes d use cnonce.
func fixedCnonce(d *DigestMD5, cnonce string) {
	d.newCnonce = func() (string, error) { return cnonce, nil }
}

// TestRFC2831Examples reproduces both examples of RFC 2831 section 4
// (IMAP and ACAP), through the full Respond/Verify path.
func TestRFC2831Examples(t *testing.T) {
	cases := []struct {
		name, challenge, cnonce, protocol, response, rspauth string
	}{
		{
			name:      "imap",
			challenge: `realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8`,
			cnonce:    "OA6MHXh6VqTrRk", protocol: "imap",
			response: "d388dad90d4bbd760a152321f2143af7", rspauth: "ea40f60335c427b5527b84dbabcdfffd",
		},
		{
			name:      "acap",
			challenge: `realm="elwood.innosoft.com",nonce="OA9BSXrbuRhWay",qop="auth",algorithm=md5-sess,charset=utf-8`,
			cnonce:    "OA9BSuZWMSpW8m", protocol: "acap",
			response: "6084c6db3fede7352c551284490fd0fc", rspauth: "2f0b3d7c3c2e486600ef710726aa2eae",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewDigestMD5("chris", "secret", c.protocol, "elwood.innosoft.com")
			fixedCnonce(d, c.cnonce)
			resp, err := d.Respond([]byte(c.challenge))
			if err != nil {
				t.Fatal(err)
			}
			f, err := parseFields(string(resp))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"charset": "utf-8", "username": "chris", "realm": "elwood.innosoft.com",
				"nonce": strings.Split(strings.Split(c.challenge, `nonce="`)[1], `"`)[0],
				"nc":    "00000001", "cnonce": c.cnonce, "digest-uri": c.protocol + "/elwood.innosoft.com",
				"maxbuf": "65536", "response": c.response, "qop": "auth",
			}
			for k, v := range want {
				if f[k] != v {
					t.Errorf("%s = %q, want %q (response %s)", k, f[k], v, resp)
				}
			}
			if len(f) != len(want) {
				t.Errorf("response has %d directives, want %d: %s", len(f), len(want), resp)
			}
			if d.QOP() != "auth" {
				t.Errorf("QOP() = %q", d.QOP())
			}
			if err := d.Verify([]byte("rspauth=" + c.rspauth)); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Wrap([]byte("x")); err == nil {
				t.Error("Wrap succeeded with qop auth")
			}
			if _, err := d.Unwrap([]byte("x")); err == nil {
				t.Error("Unwrap succeeded with qop auth")
			}
			if d.MaxWrapSize() != 0 {
				t.Error("MaxWrapSize != 0 for qop auth")
			}
		})
	}
}

func TestResponseExactLayout(t *testing.T) {
	d := NewDigestMD5("dXNlcg==", "cGFzcw==", "", "default")
	fixedCnonce(d, "abcdefabcdefabcdefabcdefabcdefab")
	resp, err := d.Respond([]byte(`realm="default",nonce="n1",qop="auth-conf,auth-int,auth",charset=utf-8,cipher="3des,rc4,des,rc4-56,rc4-40",algorithm=md5-sess`))
	if err != nil {
		t.Fatal(err)
	}
	prefix := `charset=utf-8,username="dXNlcg==",realm="default",nonce="n1",nc=00000001,cnonce="abcdefabcdefabcdefabcdefabcdefab",digest-uri="/default",maxbuf=65536,response=`
	if !strings.HasPrefix(string(resp), prefix) || !strings.HasSuffix(string(resp), ",qop=auth-conf,cipher=rc4") {
		t.Fatalf("response layout: %s", resp)
	}
	if d.QOP() != "auth-conf" || d.Cipher() != "rc4" {
		t.Fatalf("negotiated %s/%s", d.QOP(), d.Cipher())
	}
}

func TestNoRealmUsesEmpty(t *testing.T) {
	s := newFakeServer("u", "p", "auth", "")
	s.realm = ""
	d := NewDigestMD5("u", "p", "", "default")
	chal := []byte(`nonce="abc",qop="auth",charset=utf-8,algorithm=md5-sess`)
	resp, err := d.Respond(chal)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resp), `realm=""`) {
		t.Fatalf("no empty realm in %s", resp)
	}
	s.nonce = "abc"
	final, err := s.accept(resp)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verify(final); err != nil {
		t.Fatal(err)
	}
}

func TestMultipleRealmsUsesFirst(t *testing.T) {
	d := NewDigestMD5("u", "p", "", "default")
	resp, err := d.Respond([]byte(`realm="one",realm="two",nonce="abc",algorithm=md5-sess,charset=utf-8`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resp), `realm="one"`) || strings.Contains(string(resp), "two") {
		t.Fatalf("realm choice: %s", resp)
	}
	if d.QOP() != "auth" {
		t.Fatalf("missing qop must mean auth, got %q", d.QOP())
	}
}

func TestCnonceFromInjectedRandom(t *testing.T) {
	d := NewDigestMD5("u", "p", "", "default")
	d.rand = bytes.NewReader(bytes.Repeat([]byte{0xab}, 64))
	resp, err := d.Respond([]byte(`nonce="abc",algorithm=md5-sess`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resp), `cnonce="`+strings.Repeat("ab", 16)+`"`) {
		t.Fatalf("cnonce not taken from the injected reader: %s", resp)
	}

	d = NewDigestMD5("u", "p", "", "default")
	d.rand = iotest.ErrReader(errors.New("entropy gone"))
	if _, err := d.Respond([]byte(`nonce="abc",algorithm=md5-sess`)); err == nil || !strings.Contains(err.Error(), "entropy gone") {
		t.Fatalf("want random-source error, got %v", err)
	}
}

func TestDefaultCnonceIsRandom(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		d := NewDigestMD5("u", "p", "", "default")
		resp, err := d.Respond([]byte(`nonce="abc",algorithm=md5-sess`))
		if err != nil {
			t.Fatal(err)
		}
		f, err := parseFields(string(resp))
		if err != nil {
			t.Fatal(err)
		}
		if len(f["cnonce"]) != 32 || seen[f["cnonce"]] {
			t.Fatalf("bad or repeated cnonce %q", f["cnonce"])
		}
		seen[f["cnonce"]] = true
	}
}

func TestQOPChoice(t *testing.T) {
	const hadoopCiphers = "3des,rc4,des,rc4-56,rc4-40"
	cases := []struct {
		name, qops, ciphers string
		allow               []string
		wantQOP, wantCipher string
		wantErr             string
	}{
		{name: "strongest", qops: "auth,auth-int,auth-conf", ciphers: hadoopCiphers, wantQOP: "auth-conf", wantCipher: "rc4"},
		{name: "int", qops: "auth-int,auth", wantQOP: "auth-int"},
		{name: "auth-only", qops: "auth", wantQOP: "auth"},
		{name: "des-before-rc4-56", qops: "auth-conf", ciphers: "rc4-40,des,rc4-56", wantQOP: "auth-conf", wantCipher: "des"},
		{name: "3des-before-des", qops: "auth-conf", ciphers: "des,3des", wantQOP: "auth-conf", wantCipher: "3des"},
		{name: "rc4-40-last-resort", qops: "auth-conf", ciphers: "aes-cbc,rc4-40", wantQOP: "auth-conf", wantCipher: "rc4-40"},
		{name: "conf-without-known-cipher-falls-back", qops: "auth-conf,auth-int", ciphers: "aes-cbc", wantQOP: "auth-int"},
		{name: "conf-without-cipher-directive", qops: "auth-conf,auth", wantQOP: "auth"},
		{name: "restricted-hadoop-names", qops: "auth-conf,auth-int,auth", ciphers: hadoopCiphers, allow: []string{"integrity", "authentication"}, wantQOP: "auth-int"},
		{name: "restricted-comma-list", qops: "auth-conf,auth-int,auth", ciphers: hadoopCiphers, allow: []string{"authentication, integrity"}, wantQOP: "auth-int"},
		{name: "restricted-rfc-names", qops: "auth-conf,auth-int,auth", ciphers: hadoopCiphers, allow: []string{"AUTH"}, wantQOP: "auth"},
		{name: "no-restriction", qops: "auth-conf", ciphers: "rc4", allow: []string{}, wantQOP: "auth-conf", wantCipher: "rc4"},
		{name: "restricted-away", qops: "auth", allow: []string{"privacy"}, wantErr: "no acceptable qop"},
		{name: "unknown-allowed", qops: "auth", allow: []string{"bogus"}, wantErr: `unknown qop "bogus"`},
		{name: "unknown-offered-only", qops: "auth-foo", wantErr: "no acceptable qop"},
		{name: "conf-only-no-cipher", qops: "auth-conf", ciphers: "aes-cbc", wantErr: "no acceptable qop"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chal := `realm="default",nonce="n",qop="` + c.qops + `",charset=utf-8,algorithm=md5-sess`
			if c.ciphers != "" {
				chal += `,cipher="` + c.ciphers + `"`
			}
			d := NewDigestMD5("u", "p", "", "default")
			if c.allow != nil {
				d.SetQOPs(c.allow...)
			}
			_, err := d.Respond([]byte(chal))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.QOP() != c.wantQOP || d.Cipher() != c.wantCipher {
				t.Fatalf("negotiated %q/%q, want %q/%q", d.QOP(), d.Cipher(), c.wantQOP, c.wantCipher)
			}
		})
	}
}

func TestSetQOPsAfterRespondIgnored(t *testing.T) {
	d := NewDigestMD5("u", "p", "", "default")
	if _, err := d.Respond([]byte(`nonce="n",qop="auth-int",algorithm=md5-sess`)); err != nil {
		t.Fatal(err)
	}
	d.SetQOPs("auth")
	if d.QOP() != "auth-int" {
		t.Fatal("SetQOPs changed a negotiated qop")
	}
}

func TestStateErrors(t *testing.T) {
	chal := []byte(`nonce="n",qop="auth-int",algorithm=md5-sess`)
	d := NewDigestMD5("u", "p", "", "default")
	if err := d.Verify([]byte("rspauth=00000000000000000000000000000000")); err == nil {
		t.Error("Verify before Respond succeeded")
	}
	d = NewDigestMD5("u", "p", "", "default")
	if _, err := d.Wrap([]byte("x")); err == nil {
		t.Error("Wrap before authentication succeeded")
	}
	if _, err := d.Respond(chal); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wrap([]byte("x")); err == nil {
		t.Error("Wrap before Verify succeeded")
	}
	if _, err := d.Unwrap(make([]byte, 32)); err == nil {
		t.Error("Unwrap before Verify succeeded")
	}
	if d.MaxWrapSize() != 0 {
		t.Error("MaxWrapSize before Verify")
	}
	if _, err := d.Respond(chal); err == nil {
		t.Error("second Respond succeeded")
	}
	// After a failure the object stays failed.
	if err := d.Verify([]byte("rspauth=00000000000000000000000000000000")); err == nil {
		t.Error("Verify after failure succeeded")
	}
}

func TestVerifyRejects(t *testing.T) {
	s := newFakeServer("u", "p", "auth", "")
	bad := []struct{ name, final string }{
		{"wrong", "rspauth=0123456789abcdef0123456789abcdef"},
		{"missing", "foo=bar"},
		{"empty", ""},
		{"short", "rspauth=abc"},
		{"not-hex", "rspauth=zz23456789abcdef0123456789abcdef"},
		{"twice", "rspauth=0123456789abcdef0123456789abcdef,rspauth=0123456789abcdef0123456789abcdef"},
		{"malformed", `rspauth="0123`},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			d := NewDigestMD5("u", "p", "", "default")
			resp, err := d.Respond(s.challenge())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.accept(resp); err != nil {
				t.Fatal(err)
			}
			if err := d.Verify([]byte(b.final)); err == nil {
				t.Fatal("accepted")
			}
		})
	}

	// The correct value is accepted in upper case and quoted too.
	for _, form := range []func(string) string{strings.ToUpper, func(h string) string { return `"` + h + `"` }} {
		d := NewDigestMD5("u", "p", "", "default")
		resp, err := d.Respond(s.challenge())
		if err != nil {
			t.Fatal(err)
		}
		final, err := s.accept(resp)
		if err != nil {
			t.Fatal(err)
		}
		h := strings.TrimPrefix(string(final), "rspauth=")
		if err := d.Verify([]byte(" rspauth = " + form(h) + " ")); err != nil {
			t.Fatal(err)
		}
	}

	// A server that does not know the password cannot produce rspauth;
	// neither can a replay of the final message of another exchange.
	d := NewDigestMD5("u", "p", "", "default")
	resp, err := d.Respond(s.challenge())
	if err != nil {
		t.Fatal(err)
	}
	impostor := newFakeServer("u", "other", "auth", "")
	if _, err := impostor.accept(resp); err == nil {
		t.Fatal("fake server accepted a response made with another password")
	}
	d2 := NewDigestMD5("u", "p", "", "default")
	resp2, err := d2.Respond(s.challenge())
	if err != nil {
		t.Fatal(err)
	}
	final2, err := s.accept(resp2)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verify(final2); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("rspauth of another exchange accepted: %v", err)
	}
}

func TestCharsetHandling(t *testing.T) {
	// Without charset=utf-8 the response must not claim it, and text must be
	// sent as ISO 8859-1.
	d := NewDigestMD5("caf\u00e9", "p", "", "default")
	resp, err := d.Respond([]byte(`nonce="n",algorithm=md5-sess`))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(resp, []byte("charset")) || !bytes.Contains(resp, []byte("username=\"caf\xe9\"")) {
		t.Fatalf("latin-1 response: %q", resp)
	}
	d = NewDigestMD5("\u7528", "p", "", "default")
	if _, err := d.Respond([]byte(`nonce="n",algorithm=md5-sess`)); err == nil {
		t.Fatal("non-Latin-1 username accepted without charset=utf-8")
	}
	d = NewDigestMD5("u", "\u7528", "", "default")
	if _, err := d.Respond([]byte(`nonce="n",algorithm=md5-sess`)); err == nil {
		t.Fatal("non-Latin-1 password accepted without charset=utf-8")
	}
	// With utf-8, a Latin-1-representable name is hashed as Latin-1 (RFC
	// 2831 section 2.1.2.1): the response equals that for the raw Latin-1
	// bytes sent without charset.
	a := NewDigestMD5("caf\u00e9", "p\u00e4", "", "default")
	fixedCnonce(a, "cn")
	ra, err := a.Respond([]byte("realm=\"r\u00e9\",nonce=\"n\",charset=utf-8,algorithm=md5-sess"))
	if err != nil {
		t.Fatal(err)
	}
	b := NewDigestMD5("caf\u00e9", "p\u00e4", "", "default")
	fixedCnonce(b, "cn")
	rb, err := b.Respond([]byte("realm=\"r\xe9\",nonce=\"n\",algorithm=md5-sess"))
	if err != nil {
		t.Fatal(err)
	}
	fa, _ := parseFields(string(ra))
	fb, _ := parseFields(string(rb))
	if fa["response"] != fb["response"] {
		t.Fatalf("utf-8 and latin-1 hashes differ: %s vs %s", ra, rb)
	}
}

func TestEscapingInResponse(t *testing.T) {
	s := newFakeServer(`we"ird\user`, "p", "auth", "")
	s.realm = `re"alm`
	s.nonce = `n\o"nce,with,commas`
	d := NewDigestMD5(`we"ird\user`, "p", "", "default")
	if err := handshake(d, s); err != nil {
		t.Fatal(err)
	}
}

func TestChallengeFromFakeServerWithEscapes(t *testing.T) {
	// The challenge itself escapes the quote in realm and nonce.
	d := NewDigestMD5("u", "p", "", "default")
	resp, err := d.Respond([]byte(`realm="re\"alm",nonce="n\\o\"nce,with,commas",algorithm=md5-sess,charset=utf-8`))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseFields(string(resp))
	if err != nil {
		t.Fatal(err)
	}
	if f["realm"] != `re"alm` || f["nonce"] != `n\o"nce,with,commas` {
		t.Fatalf("echoed %q %q", f["realm"], f["nonce"])
	}
}
