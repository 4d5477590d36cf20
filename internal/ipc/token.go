package ipc

import (
	"bytes"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

// Proto converts t to Hadoop's TokenProto with all four fields set, as the
// message requires, copying the byte slices.
func (t Token) Proto() *commonpb.TokenProto {
	id := bytes.Clone(t.Identifier)
	if id == nil {
		id = []byte{}
	}
	pw := bytes.Clone(t.Password)
	if pw == nil {
		pw = []byte{}
	}
	return &commonpb.TokenProto{Identifier: id, Password: pw, Kind: proto.String(t.Kind), Service: proto.String(t.Service)}
}

// TokenFromProto converts a token a server issued into a Token for service,
// with kind when the server sent none.
func TokenFromProto(p *commonpb.TokenProto, kind, service string) Token {
	if k := p.GetKind(); k != "" {
		kind = k
	}
	return Token{Identifier: p.GetIdentifier(), Password: p.GetPassword(), Kind: kind, Service: service}
}
