package creds

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

// This file holds version 1 of the token storage format: after "HDTS" and
// the version byte comes exactly one CredentialsProto message, preceded by
// its length as a protobuf varint (the writeDelimitedTo framing):
//
//	CredentialsProto   { repeated CredentialsKVProto tokens = 1; repeated CredentialsKVProto secrets = 2 }
//	CredentialsKVProto { required string alias = 1; optional TokenProto token = 2; optional bytes secret = 3 }
//	TokenProto         { required bytes identifier = 1; required bytes password = 2;
//	                     required string kind = 3; required string service = 4 }

// parseProto decodes the body (after magic and version byte) of a version 1
// blob.
func parseProto(body []byte) (*Credentials, error) {
	size, n := protowire.ConsumeVarint(body)
	if n < 0 {
		err := protowire.ParseError(n)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = truncatedError{}
		}
		return nil, fmt.Errorf("message length: %w", err)
	}
	rest := body[n:]
	if size > uint64(len(rest)) {
		return nil, fmt.Errorf("message length %d exceeds the %d remaining bytes: %w", size, len(rest), truncatedError{})
	}
	if extra := uint64(len(rest)) - size; extra != 0 {
		return nil, fmt.Errorf("%d unexpected bytes after the message", extra)
	}
	var m commonpb.CredentialsProto
	if err := proto.Unmarshal(rest, &m); err != nil {
		return nil, fmt.Errorf("CredentialsProto: %w", err)
	}
	c := &Credentials{}
	for i, kv := range m.GetTokens() {
		alias := kv.GetAlias()
		if !utf8.ValidString(alias) {
			return nil, fmt.Errorf("token %d alias: invalid UTF-8", i+1)
		}
		tp := kv.GetToken()
		if tp == nil {
			return nil, fmt.Errorf("token %d (alias %q): entry has no token", i+1, alias)
		}
		t := Token{
			Identifier: cloneBytes(tp.GetIdentifier()),
			Password:   cloneBytes(tp.GetPassword()),
			Kind:       tp.GetKind(),
			Service:    tp.GetService(),
		}
		if t.Identifier == nil {
			t.Identifier = []byte{}
		}
		if t.Password == nil {
			t.Password = []byte{}
		}
		if !utf8.ValidString(t.Kind) {
			return nil, fmt.Errorf("token %d kind: invalid UTF-8", i+1)
		}
		if !utf8.ValidString(t.Service) {
			return nil, fmt.Errorf("token %d service: invalid UTF-8", i+1)
		}
		c.addTokenOwned(alias, t)
	}
	for i, kv := range m.GetSecrets() {
		alias := kv.GetAlias()
		if !utf8.ValidString(alias) {
			return nil, fmt.Errorf("secret %d alias: invalid UTF-8", i+1)
		}
		if kv.Secret == nil {
			return nil, fmt.Errorf("secret %d (alias %q): entry has no secret", i+1, alias)
		}
		c.AddSecret(alias, kv.GetSecret())
	}
	return c, nil
}

// marshalProto encodes c as a version 1 blob.
func (c *Credentials) marshalProto() ([]byte, error) {
	if err := c.checkUTF8(); err != nil {
		return nil, err
	}
	m := &commonpb.CredentialsProto{}
	for _, e := range c.tokens {
		m.Tokens = append(m.Tokens, &commonpb.CredentialsKVProto{
			Alias: proto.String(e.alias),
			Token: &commonpb.TokenProto{
				// Required bytes fields count as unset when nil.
				Identifier: nonNil(e.token.Identifier),
				Password:   nonNil(e.token.Password),
				Kind:       proto.String(e.token.Kind),
				Service:    proto.String(e.token.Service),
			},
		})
	}
	for _, e := range c.secrets {
		m.Secrets = append(m.Secrets, &commonpb.CredentialsKVProto{
			Alias:  proto.String(e.alias),
			Secret: nonNil(e.value),
		})
	}
	msg, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("CredentialsProto: %w", err)
	}
	b := make([]byte, 0, len(credentialsMagic)+1+protowire.SizeVarint(uint64(len(msg)))+len(msg))
	b = append(b, credentialsMagic...)
	b = append(b, byte(FormatProtobuf))
	b = protowire.AppendVarint(b, uint64(len(msg)))
	return append(b, msg...), nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
