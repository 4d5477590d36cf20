package sasl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxTokenSize bounds the size of a challenge or server-final message we are
// willing to parse. RFC 2831 limits a digest-challenge to 2048 bytes; we are
// more lenient but still refuse absurd inputs.
const maxTokenSize = 64 * 1024

// defaultMaxBuf is the RFC 2831 default for a missing maxbuf directive.
const defaultMaxBuf = 65536

// maxMaxBuf is the largest maxbuf accepted (2^24-1, the limit later SASL
// work put on the value; no real server comes close).
const maxMaxBuf = 1<<24 - 1

// directive is one key=value element of a DIGEST-MD5 message.
type directive struct {
	key   string // lower-cased
	value string // unquoted and unescaped
}

// challenge is a parsed digest-challenge (RFC 2831 section 2.1.1).
type challenge struct {
	realms  []string // every realm offered, in order
	nonce   string
	qops    []string // lower-cased; ["auth"] when the directive is absent
	ciphers []string // lower-cased; nil when absent
	maxbuf  int      // defaultMaxBuf when absent
	utf8    bool     // charset=utf-8 was present
	stale   bool
}

// isSeparator reports whether c is an RFC 2616 separator character.
func isSeparator(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}', ' ', '\t':
		return true
	}
	return false
}

// isTokenChar reports whether c may appear in an RFC 2616 token.
func isTokenChar(c byte) bool {
	return c > 31 && c < 127 && !isSeparator(c)
}

// isLWS reports whether c is linear white space.
func isLWS(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// parseDirectives splits a comma-separated list of key=value or
// key="quoted value" elements. Quoted values may contain commas and
// backslash-escaped characters. Empty list elements are skipped, as the
// RFC 2616 #rule allows. Any other deviation is an error.
func parseDirectives(b []byte) ([]directive, error) {
	if len(b) > maxTokenSize {
		return nil, fmt.Errorf("message is %d bytes, more than the %d allowed", len(b), maxTokenSize)
	}
	var out []directive
	i, n := 0, len(b)
	skipLWS := func() {
		for i < n && isLWS(b[i]) {
			i++
		}
	}
	for {
		skipLWS()
		if i == n {
			return out, nil
		}
		if b[i] == ',' {
			i++
			continue
		}
		start := i
		for i < n && isTokenChar(b[i]) {
			i++
		}
		if i == start {
			return nil, fmt.Errorf("expected a directive name at offset %d, found %q", i, b[i])
		}
		key := strings.ToLower(string(b[start:i]))
		skipLWS()
		if i == n || b[i] != '=' {
			return nil, fmt.Errorf("directive %q has no '=' and value", key)
		}
		i++
		skipLWS()
		if i == n {
			return nil, fmt.Errorf("directive %q has no value", key)
		}
		var value string
		if b[i] == '"' {
			var closed bool
			value, i, closed = parseQuoted(b, i+1)
			if !closed {
				return nil, fmt.Errorf("directive %q has an unterminated quoted value", key)
			}
		} else {
			start := i
			for i < n && isTokenChar(b[i]) {
				i++
			}
			if i == start {
				return nil, fmt.Errorf("directive %q has an empty or invalid value at offset %d", key, i)
			}
			value = string(b[start:i])
		}
		out = append(out, directive{key: key, value: value})
		skipLWS()
		if i < n {
			if b[i] != ',' {
				return nil, fmt.Errorf("unexpected %q after directive %q at offset %d", b[i], key, i)
			}
			i++
		}
	}
}

// parseQuoted reads a quoted value starting after its opening quote at
// b[i:], unescaping backslash escapes, and returns it with the offset after
// the closing quote; closed is false when there is none.
func parseQuoted(b []byte, i int) (value string, next int, closed bool) {
	var sb strings.Builder
	for n := len(b); i < n; {
		c := b[i]
		if c == '\\' {
			if i+1 == n {
				break
			}
			sb.WriteByte(b[i+1])
			i += 2
			continue
		}
		i++
		if c == '"' {
			return sb.String(), i, true
		}
		sb.WriteByte(c)
	}
	return "", i, false
}

// splitList splits a comma-separated value (such as a quoted qop or cipher
// list) into trimmed, lower-cased, non-empty elements.
func splitList(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		part = strings.ToLower(strings.Trim(part, " \t\r\n"))
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseChallenge parses and validates a digest-challenge. It rejects a
// challenge without exactly one nonce and exactly one algorithm=md5-sess,
// with repeated single-valued directives, or with malformed syntax.
// Unknown directives and unknown qop or cipher values are ignored.
func parseChallenge(b []byte) (*challenge, error) {
	ds, err := parseDirectives(b)
	if err != nil {
		return nil, err
	}
	c := &challenge{maxbuf: defaultMaxBuf}
	seen := make(map[string]bool)
	var haveNonce, haveAlgorithm bool
	for _, d := range ds {
		switch d.key {
		case "realm":
			c.realms = append(c.realms, d.value)
			continue
		case "nonce", "qop", "stale", "maxbuf", "charset", "algorithm", "cipher":
			if seen[d.key] {
				return nil, fmt.Errorf("directive %q appears more than once", d.key)
			}
			seen[d.key] = true
		default:
			continue // auth-param: ignored
		}
		switch d.key {
		case "nonce":
			if d.value == "" {
				return nil, errors.New("nonce is empty")
			}
			c.nonce = d.value
			haveNonce = true
		case "qop":
			c.qops = splitList(d.value)
			if len(c.qops) == 0 {
				return nil, errors.New("qop list is empty")
			}
		case "stale":
			c.stale = strings.EqualFold(d.value, "true")
		case "maxbuf":
			v, err := parseMaxBuf(d.value)
			if err != nil {
				return nil, err
			}
			c.maxbuf = v
		case "charset":
			if !strings.EqualFold(d.value, "utf-8") {
				return nil, fmt.Errorf("unsupported charset %q (only utf-8 is defined)", d.value)
			}
			c.utf8 = true
		case "algorithm":
			if !strings.EqualFold(d.value, "md5-sess") {
				return nil, fmt.Errorf("unsupported algorithm %q (want md5-sess)", d.value)
			}
			haveAlgorithm = true
		case "cipher":
			c.ciphers = splitList(d.value)
		}
	}
	if !haveNonce {
		return nil, errors.New("challenge has no nonce")
	}
	if !haveAlgorithm {
		return nil, errors.New("challenge has no algorithm directive (want algorithm=md5-sess)")
	}
	if c.qops == nil {
		c.qops = []string{qopAuth}
	}
	return c, nil
}

// parseMaxBuf parses a maxbuf value: decimal digits, 17..2^24-1 (a wrapped
// message needs at least 16 bytes of trailer).
func parseMaxBuf(s string) (int, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("maxbuf %q is not a decimal number", s)
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v <= 16 || v > maxMaxBuf {
		return 0, fmt.Errorf("maxbuf %q is out of range (17..%d)", s, maxMaxBuf)
	}
	return v, nil
}

// has reports whether list contains v.
func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
