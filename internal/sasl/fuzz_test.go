package sasl

import (
	"bytes"
	"testing"
)

// FuzzParseChallenge feeds arbitrary challenges to the parser, to Respond
// and (after a successful Respond) to Verify. Nothing may panic; a
// successful parse must yield a nonce and a qop, and our own response must
// parse back to the same nonce and realm.
func FuzzParseChallenge(f *testing.F) {
	for _, s := range []string{
		`realm="default",nonce="muUfzXdW9niIegCkZ5CK8UdYCSjfKMLOQEEnQDUC",qop="auth-conf,auth-int,auth",charset=utf-8,cipher="3des,rc4,des,rc4-56,rc4-40",algorithm=md5-sess`,
		`realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8`,
		`realm="a\"b,c\\d",nonce="x\,y",algorithm=md5-sess,maxbuf="1000"`,
		" ,, nonce = \"n\" ,\tqop=auth-int ,algorithm=MD5-SESS,stale=true,foo=\"bar\"",
		`nonce="abc\`,
		`nonce=`,
		`rspauth=ea40f60335c427b5527b84dbabcdfffd`,
		"realm=\"\xe9\",nonce=\"\x00\",algorithm=md5-sess",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseChallenge(data)
		if err != nil {
			if c != nil {
				t.Fatal("non-nil challenge with an error")
			}
		} else if c.nonce == "" || len(c.qops) == 0 || c.maxbuf <= 16 {
			t.Fatalf("accepted challenge without nonce/qop/maxbuf: %+v", c)
		}

		d := NewDigestMD5("dXNlcg==", "cGFzcw==", "", "default")
		fixedCnonce(d, "0123456789abcdef0123456789abcdef")
		resp, rerr := d.Respond(data)
		if rerr == nil && err != nil {
			t.Fatalf("Respond accepted a challenge the parser rejects: %v", err)
		}
		if rerr != nil {
			return
		}
		ds, perr := parseDirectives(resp)
		if perr != nil {
			t.Fatalf("our response does not parse: %v\n%s", perr, resp)
		}
		got := map[string]string{}
		for _, x := range ds {
			got[x.key] = x.value
		}
		realm := ""
		if len(c.realms) > 0 {
			realm = c.realms[0]
		}
		if got["nonce"] != c.nonce || got["realm"] != realm || got["qop"] != d.QOP() {
			t.Fatalf("response %q does not echo nonce %q realm %q qop %q", resp, c.nonce, realm, d.QOP())
		}
		// The fuzz input as a server-final message must not panic, and
		// cannot carry the right rspauth.
		if d.Verify(data) == nil {
			t.Fatalf("Verify accepted %q", data)
		}
	})
}

// FuzzUnwrap feeds arbitrary bytes to Unwrap for every security layer, both
// as the first message and after a genuine one. Nothing may panic, and a
// message that unwraps once must not unwrap a second time.
func FuzzUnwrap(f *testing.F) {
	cases := layerCases()
	for i, c := range cases {
		_, s := establish(f, c)
		f.Add(uint8(i), false, s.wrap([]byte("hello, world")))
		f.Add(uint8(i), true, s.wrap([]byte("")))
		f.Add(uint8(i), false, []byte{0, 1, 0, 0, 0, 0})
		f.Add(uint8(i), false, bytes.Repeat([]byte{0xff}, 40))
	}
	f.Fuzz(func(t *testing.T, mode uint8, afterGenuine bool, data []byte) {
		c := cases[int(mode)%len(cases)]
		d, s := establish(t, c)
		if afterGenuine {
			if _, err := d.Unwrap(s.wrap([]byte("genuine"))); err != nil {
				t.Fatal(err)
			}
		}
		in := append([]byte(nil), data...)
		out, err := d.Unwrap(data)
		if !bytes.Equal(in, data) {
			t.Fatal("Unwrap modified its input")
		}
		if err != nil {
			if out != nil {
				t.Fatal("output with an error")
			}
			return
		}
		if _, err := d.Unwrap(data); err == nil {
			t.Fatal("the same message unwrapped twice")
		}
	})
}
