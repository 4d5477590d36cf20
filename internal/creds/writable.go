package creds

import (
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// This file holds version 0 of the token storage format, Hadoop's Writable
// encoding:
//
//	VInt tokenCount
//	tokenCount × { Text alias; VInt idLen; id; VInt pwLen; pw; Text kind; Text service }
//	VInt secretCount
//	secretCount × { Text alias; VInt len; bytes }
//
// Text is a VInt byte length followed by that many bytes of UTF-8.
//
// VInt is Hadoop's zero-compressed variable-length long (WritableUtils
// writeVLong/readVLong), not a protobuf varint. A value in [-112, 127] is a
// single byte holding the value. Any other value is a marker byte followed
// by 1 to 8 big-endian magnitude bytes, the fewest that hold the magnitude:
// markers -113 … -120 introduce a non-negative value with 1 … 8 bytes,
// markers -121 … -128 a negative value with 1 … 8 bytes whose bytes hold the
// one's complement of the value.

// Smallest encodings of one token and one secret entry, used to reject
// counts that cannot possibly fit in the remaining input.
const (
	minTokenEntrySize  = 5 // alias len, id len, pw len, kind len, service len
	minSecretEntrySize = 2 // alias len, value len
)

// appendVLong appends v to b in Hadoop's VInt/VLong encoding.
func appendVLong(b []byte, v int64) []byte {
	if v >= -112 && v <= 127 {
		return append(b, byte(v))
	}
	mag := uint64(v)
	marker := -112
	if v < 0 {
		mag = ^mag // one's complement: -1-v, which is >= 0
		marker = -120
	}
	n := (bits.Len64(mag) + 7) / 8 // 1 … 8 bytes; mag > 0 here
	b = append(b, byte(int8(marker-n)))
	for shift := 8 * (n - 1); shift >= 0; shift -= 8 {
		b = append(b, byte(mag>>uint(shift)))
	}
	return b
}

// appendText appends s as a Hadoop Text: VInt byte length, then the bytes.
func appendText(b []byte, s string) []byte {
	b = appendVLong(b, int64(len(s)))
	return append(b, s...)
}

// appendBytes appends a VInt length followed by p.
func appendBytes(b, p []byte) []byte {
	b = appendVLong(b, int64(len(p)))
	return append(b, p...)
}

// decoder reads Writable-encoded fields from an in-memory buffer. It never
// reads past the end of buf and never allocates based on an unchecked length.
type decoder struct {
	buf []byte
	off int
}

func (d *decoder) remaining() int { return len(d.buf) - d.off }

// take returns the next n bytes (a sub-slice of buf, not a copy).
func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || n > d.remaining() {
		return nil, truncatedError{}
	}
	p := d.buf[d.off : d.off+n]
	d.off += n
	return p, nil
}

// vlong reads one Hadoop VInt/VLong. Like Hadoop it accepts non-minimal
// encodings (a marker announcing more bytes than needed).
func (d *decoder) vlong() (int64, error) {
	if d.remaining() < 1 {
		return 0, truncatedError{}
	}
	first := int8(d.buf[d.off])
	d.off++
	if first >= -112 {
		return int64(first), nil
	}
	negative := first < -120
	var n int
	if negative {
		n = -120 - int(first) // -121 … -128 → 1 … 8
	} else {
		n = -112 - int(first) // -113 … -120 → 1 … 8
	}
	p, err := d.take(n)
	if err != nil {
		return 0, err
	}
	var u uint64
	for _, c := range p {
		u = u<<8 | uint64(c)
	}
	if negative {
		u = ^u
	}
	return int64(u), nil
}

// length reads a VInt that announces how many bytes follow and checks it
// against the remaining input.
func (d *decoder) length() (int, error) {
	n, err := d.vlong()
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("negative length %d", n)
	}
	if n > int64(d.remaining()) {
		return 0, fmt.Errorf("length %d exceeds the %d remaining bytes: %w", n, d.remaining(), truncatedError{})
	}
	return int(n), nil
}

// count reads a VInt entry count and checks that count entries of at least
// minSize bytes each could fit in the remaining input.
func (d *decoder) count(minSize int) (int, error) {
	n, err := d.vlong()
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("negative count %d", n)
	}
	if n > int64(d.remaining()/minSize) {
		return 0, fmt.Errorf("count %d cannot fit in the %d remaining bytes: %w", n, d.remaining(), truncatedError{})
	}
	return int(n), nil
}

// bytes reads a VInt length and returns a copy of that many bytes.
func (d *decoder) bytes() ([]byte, error) {
	n, err := d.length()
	if err != nil {
		return nil, err
	}
	p, err := d.take(n)
	if err != nil {
		return nil, err
	}
	return append([]byte{}, p...), nil
}

// text reads a Hadoop Text and checks that it is valid UTF-8.
func (d *decoder) text() (string, error) {
	n, err := d.length()
	if err != nil {
		return "", err
	}
	p, err := d.take(n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(p) {
		return "", fmt.Errorf("invalid UTF-8")
	}
	return string(p), nil
}

// parseWritable decodes the body (after magic and version byte) of a
// version 0 blob.
func parseWritable(body []byte) (*Credentials, error) {
	d := &decoder{buf: body}
	c := &Credentials{}
	n, err := d.count(minTokenEntrySize)
	if err != nil {
		return nil, fmt.Errorf("token count: %w", err)
	}
	for i := 1; i <= n; i++ {
		alias, err := d.text()
		if err != nil {
			return nil, fmt.Errorf("token %d alias: %w", i, err)
		}
		var t Token
		if t.Identifier, err = d.bytes(); err != nil {
			return nil, fmt.Errorf("token %d identifier: %w", i, err)
		}
		if t.Password, err = d.bytes(); err != nil {
			return nil, fmt.Errorf("token %d password: %w", i, err)
		}
		if t.Kind, err = d.text(); err != nil {
			return nil, fmt.Errorf("token %d kind: %w", i, err)
		}
		if t.Service, err = d.text(); err != nil {
			return nil, fmt.Errorf("token %d service: %w", i, err)
		}
		c.addTokenOwned(alias, t)
	}
	n, err = d.count(minSecretEntrySize)
	if err != nil {
		return nil, fmt.Errorf("secret count: %w", err)
	}
	for i := 1; i <= n; i++ {
		alias, err := d.text()
		if err != nil {
			return nil, fmt.Errorf("secret %d alias: %w", i, err)
		}
		value, err := d.bytes()
		if err != nil {
			return nil, fmt.Errorf("secret %d value: %w", i, err)
		}
		c.AddSecret(alias, value)
	}
	if r := d.remaining(); r != 0 {
		return nil, fmt.Errorf("%d unexpected bytes after the secrets", r)
	}
	return c, nil
}

// marshalWritable encodes c as a version 0 blob.
func (c *Credentials) marshalWritable() ([]byte, error) {
	if err := c.checkUTF8(); err != nil {
		return nil, err
	}
	b := append([]byte(credentialsMagic), byte(FormatWritable))
	b = appendVLong(b, int64(len(c.tokens)))
	for _, e := range c.tokens {
		b = appendText(b, e.alias)
		b = appendBytes(b, e.token.Identifier)
		b = appendBytes(b, e.token.Password)
		b = appendText(b, e.token.Kind)
		b = appendText(b, e.token.Service)
	}
	b = appendVLong(b, int64(len(c.secrets)))
	for _, e := range c.secrets {
		b = appendText(b, e.alias)
		b = appendBytes(b, e.value)
	}
	return b, nil
}

// checkUTF8 reports the first alias, kind or service that Hadoop could not
// decode as UTF-8.
func (c *Credentials) checkUTF8() error {
	for _, e := range c.tokens {
		if !utf8.ValidString(e.alias) {
			return fmt.Errorf("token alias %q: invalid UTF-8", e.alias)
		}
		if !utf8.ValidString(e.token.Kind) {
			return fmt.Errorf("token %q kind: invalid UTF-8", e.alias)
		}
		if !utf8.ValidString(e.token.Service) {
			return fmt.Errorf("token %q service: invalid UTF-8", e.alias)
		}
	}
	for _, e := range c.secrets {
		if !utf8.ValidString(e.alias) {
			return fmt.Errorf("secret alias %q: invalid UTF-8", e.alias)
		}
	}
	return nil
}
