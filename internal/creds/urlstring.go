package creds

import "encoding/base64"

// URLString encodes t as Hadoop's Token.encodeToUrlString does: the Writable
// token (identifier and password with VInt lengths, then kind and service as
// Text) in URL-safe base64 without padding. WebHDFS takes a delegation token
// in this form as its "delegation" query parameter.
func (t Token) URLString() string {
	b := appendBytes(nil, t.Identifier)
	b = appendBytes(b, t.Password)
	b = appendText(b, t.Kind)
	b = appendText(b, t.Service)
	return base64.RawURLEncoding.EncodeToString(b)
}
