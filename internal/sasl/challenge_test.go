package sasl

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseChallengeValid(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want challenge
	}{
		{
			name: "hadoop",
			in:   `realm="default",nonce="muUfzXdW9niIegCkZ5CK8UdYCSjfKMLOQEEnQDUC",qop="auth-conf,auth-int,auth",charset=utf-8,cipher="3des,rc4,des,rc4-56,rc4-40",algorithm=md5-sess`,
			want: challenge{
				realms: []string{"default"}, nonce: "muUfzXdW9niIegCkZ5CK8UdYCSjfKMLOQEEnQDUC",
				qops: []string{"auth-conf", "auth-int", "auth"}, ciphers: []string{"3des", "rc4", "des", "rc4-56", "rc4-40"},
				maxbuf: 65536, utf8: true,
			},
		},
		{
			name: "rfc-example",
			in:   `realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8`,
			want: challenge{realms: []string{"elwood.innosoft.com"}, nonce: "OA6MG9tEQGm2hh", qops: []string{"auth"}, maxbuf: 65536, utf8: true},
		},
		{
			name: "whitespace-everywhere",
			in:   " \t realm = \"r\" ,\r\n nonce= \"n\" , qop = \" auth , auth-int \" ,maxbuf=\"1000\" , algorithm = md5-sess\t",
			want: challenge{realms: []string{"r"}, nonce: "n", qops: []string{"auth", "auth-int"}, maxbuf: 1000},
		},
		{
			name: "escapes-and-commas-in-quotes",
			in:   `realm="a\"b,c\\d",nonce="x\,y",algorithm=md5-sess`,
			want: challenge{realms: []string{`a"b,c\d`}, nonce: "x,y", qops: []string{"auth"}, maxbuf: 65536},
		},
		{
			name: "empty-elements-unknown-directives-and-case",
			in:   `,,NONCE="n",,Algorithm=MD5-SESS,foo=bar,baz="q,u,x",QOP=auth-int,Stale=true,`,
			want: challenge{nonce: "n", qops: []string{"auth-int"}, maxbuf: 65536, stale: true},
		},
		{
			name: "multiple-realms-and-empty-realm",
			in:   `realm="",realm="two",nonce="n",algorithm=md5-sess,maxbuf=17`,
			want: challenge{realms: []string{"", "two"}, nonce: "n", qops: []string{"auth"}, maxbuf: 17},
		},
		{
			name: "unknown-qop-values-kept-for-matching",
			in:   `nonce="n",qop="auth-foo,AUTH",cipher="aes-cbc, RC4",algorithm=md5-sess`,
			want: challenge{nonce: "n", qops: []string{"auth-foo", "auth"}, ciphers: []string{"aes-cbc", "rc4"}, maxbuf: 65536},
		},
		{
			name: "utf8-in-quotes",
			in:   "realm=\"\u00e9t\u00e9 \u7528\",nonce=\"n\",algorithm=md5-sess,charset=\"UTF-8\"",
			want: challenge{realms: []string{"\u00e9t\u00e9 \u7528"}, nonce: "n", qops: []string{"auth"}, maxbuf: 65536, utf8: true},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseChallenge([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", *got, c.want)
			}
		})
	}
}

func TestParseChallengeInvalid(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", ``, "no nonce"},
		{"no-nonce", `realm="r",qop="auth",algorithm=md5-sess`, "no nonce"},
		{"empty-nonce", `nonce="",algorithm=md5-sess`, "nonce is empty"},
		{"two-nonces", `nonce="a",nonce="b",algorithm=md5-sess`, `"nonce" appears more than once`},
		{"no-algorithm", `nonce="a",qop="auth"`, "no algorithm"},
		{"md5-algorithm", `nonce="a",algorithm=md5`, `unsupported algorithm "md5"`},
		{"two-algorithms", `nonce="a",algorithm=md5-sess,algorithm=md5-sess`, "more than once"},
		{"two-qops", `nonce="a",qop="auth",qop="auth",algorithm=md5-sess`, "more than once"},
		{"empty-qop", `nonce="a",qop=" , ",algorithm=md5-sess`, "qop list is empty"},
		{"bad-charset", `nonce="a",charset=latin1,algorithm=md5-sess`, "unsupported charset"},
		{"bad-maxbuf", `nonce="a",maxbuf=12x,algorithm=md5-sess`, "maxbuf"},
		{"tiny-maxbuf", `nonce="a",maxbuf=16,algorithm=md5-sess`, "out of range"},
		{"huge-maxbuf", `nonce="a",maxbuf=99999999999999999999999,algorithm=md5-sess`, "out of range"},
		{"unterminated", `nonce="abc,algorithm=md5-sess`, "unterminated"},
		{"dangling-backslash", `nonce="abc\`, "unterminated"},
		{"no-equals", `nonce,algorithm=md5-sess`, "no '='"},
		{"no-value", `nonce=`, "no value"},
		{"empty-token-value", `nonce=,algorithm=md5-sess`, "empty or invalid value"},
		{"garbage-after-quote", `nonce="a"b,algorithm=md5-sess`, "unexpected"},
		{"space-in-token-value", `nonce="a",algorithm=md5 sess`, "unexpected"},
		{"bad-key", `"nonce"="a"`, "expected a directive name"},
		{"semicolon", `nonce="a";algorithm=md5-sess`, "unexpected"},
		{"control-char", "nonce=\"a\",\x01algorithm=md5-sess", "expected a directive name"},
		{"too-big", `nonce="` + strings.Repeat("a", maxTokenSize) + `",algorithm=md5-sess`, "more than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseChallenge([]byte(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			// Respond reports the same problem, prefixed.
			d := NewDigestMD5("u", "p", "", "default")
			_, rerr := d.Respond([]byte(c.in))
			if rerr == nil || !strings.HasPrefix(rerr.Error(), "sasl: DIGEST-MD5: parsing the server's challenge: ") {
				t.Fatalf("Respond err = %v", rerr)
			}
		})
	}
}
