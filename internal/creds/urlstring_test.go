package creds

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestTokenURLString(t *testing.T) {
	tok := Token{Identifier: []byte{0xfb, 0xff, 0x01}, Password: bytes.Repeat([]byte{7}, 200),
		Kind: "HDFS_DELEGATION_TOKEN", Service: "127.0.0.1:28020"}
	s := tok.URLString()
	if strings.ContainsAny(s, "+/=") {
		t.Errorf("%q is not URL-safe base64 without padding", s)
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	// VInt 3, the identifier; VInt 200 (two bytes: -113, 200), the password;
	// then kind and service as Text.
	want := append([]byte{3, 0xfb, 0xff, 0x01, 0x8f, 200}, tok.Password...)
	want = append(want, byte(len(tok.Kind)))
	want = append(want, tok.Kind...)
	want = append(want, byte(len(tok.Service)))
	want = append(want, tok.Service...)
	if !bytes.Equal(raw, want) {
		t.Errorf("decoded %x\nwant    %x", raw, want)
	}
}
