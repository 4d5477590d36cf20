package sasl

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Quality-of-protection values of RFC 2831.
const (
	qopAuth     = "auth"
	qopAuthInt  = "auth-int"
	qopAuthConf = "auth-conf"
)

// Cipher names of RFC 2831 (all implemented).
const (
	cipherRC4   = "rc4"
	cipherRC456 = "rc4-56"
	cipherRC440 = "rc4-40"
	cipherDES   = "des"
	cipher3DES  = "3des"
)

// nonceCount is the nc value; every DigestMD5 authenticates exactly once.
const nonceCount = "00000001"

// clientMaxBuf is the maxbuf value we advertise in the response.
const clientMaxBuf = 65536

// cnonceBytes is the number of random bytes in a cnonce.
const cnonceBytes = 16

// zeroHashHex is appended to A2 when the qop is auth-int or auth-conf.
const zeroHashHex = "00000000000000000000000000000000"

// Authentication states.
const (
	stateNew = iota
	stateResponded
	stateComplete
	stateFailed
)

// qopPreference lists the qops from strongest to weakest.
func qopPreference() []string { return []string{qopAuthConf, qopAuthInt, qopAuth} }

// cipherPreference lists the auth-conf ciphers in the order we choose them.
func cipherPreference() []string {
	return []string{cipherRC4, cipher3DES, cipherDES, cipherRC456, cipherRC440}
}

// DigestMD5 is one client-side DIGEST-MD5 authentication (single use):
// Respond, then Verify, then (for auth-int and auth-conf) Wrap and Unwrap.
// Respond, Verify and SetQOPs must not run concurrently with any other
// method; once Verify has succeeded, Wrap and Unwrap may be called
// concurrently with each other (but each direction processes one message at
// a time, in call order).
type DigestMD5 struct {
	username, password string
	protocol, serverID string

	allowed    []string // allowed qops; nil means no restriction
	badAllowed string   // first unrecognised value given to SetQOPs

	rand        io.Reader              // source of cnonce bytes
	newCnonce   func() (string, error) // cnonce generator; tests replace it
	cipherPrefs func() []string        // auth-conf cipher order; tests replace it

	state   int
	qop     string
	cipher  string
	maxbuf  int // the server's maxbuf
	ha1     [md5.Size]byte
	rspauth [md5.Size]byte
	layer   *securityLayer
}

// NewDigestMD5 returns a DIGEST-MD5 client that authenticates username with
// password to the service protocol/serverID (the digest-uri). For Hadoop
// tokens pass base64(identifier), base64(password), "" and "default".
func NewDigestMD5(username, password, protocol, serverID string) *DigestMD5 {
	d := &DigestMD5{
		username:    username,
		password:    password,
		protocol:    protocol,
		serverID:    serverID,
		rand:        rand.Reader,
		cipherPrefs: cipherPreference,
	}
	d.newCnonce = d.randomCnonce
	return d
}

// SetQOPs restricts the qops Respond may choose to allowed. Values are RFC
// 2831 names ("auth", "auth-int", "auth-conf") or the corresponding
// hadoop.rpc.protection names ("authentication", "integrity", "privacy"),
// case-insensitive; an argument may itself be a comma-separated list, as in
// hadoop.rpc.protection. With no arguments every implemented qop is allowed
// (the default). An unrecognised value makes Respond fail. SetQOPs has no effect
// once Respond has been called.
func (d *DigestMD5) SetQOPs(allowed ...string) {
	if d.state != stateNew {
		return
	}
	d.allowed, d.badAllowed = nil, ""
	var names []string
	for _, a := range allowed {
		names = append(names, strings.Split(a, ",")...)
	}
	for _, a := range names {
		q := strings.ToLower(strings.TrimSpace(a))
		if q == "" {
			continue
		}
		switch q {
		case "authentication":
			q = qopAuth
		case "integrity":
			q = qopAuthInt
		case "privacy":
			q = qopAuthConf
		case qopAuth, qopAuthInt, qopAuthConf:
		default:
			if d.badAllowed == "" {
				d.badAllowed = a
			}
			continue
		}
		if !has(d.allowed, q) {
			d.allowed = append(d.allowed, q)
		}
	}
}

// randomCnonce returns the hex encoding of cnonceBytes bytes from d.rand.
func (d *DigestMD5) randomCnonce() (string, error) {
	b := make([]byte, cnonceBytes)
	if _, err := io.ReadFull(d.rand, b); err != nil {
		return "", fmt.Errorf("reading random bytes for the cnonce: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// fail marks the authentication as failed and returns err with the package
// prefix.
func (d *DigestMD5) fail(format string, args ...any) error {
	d.state = stateFailed
	return fmt.Errorf("sasl: DIGEST-MD5: "+format, args...)
}

// Respond answers the server's challenge (the bytes of a digest-challenge)
// with a digest-response. It chooses the strongest qop offered by the server
// that is implemented and allowed by SetQOPs (auth-conf > auth-int > auth)
// and, for auth-conf, the preferred cipher offered. Respond may be called
// only once.
func (d *DigestMD5) Respond(challenge []byte) ([]byte, error) {
	if d.state != stateNew {
		return nil, d.fail("Respond called more than once")
	}
	if d.badAllowed != "" {
		return nil, d.fail("unknown qop %q given to SetQOPs", d.badAllowed)
	}
	c, err := parseChallenge(challenge)
	if err != nil {
		return nil, d.fail("parsing the server's challenge: %w", err)
	}
	qop, ciph := d.chooseQOP(c)
	if qop == "" {
		allowed := d.allowed
		if allowed == nil {
			allowed = qopPreference()
		}
		return nil, d.fail("no acceptable qop: server offers qop %q with ciphers %q; client allows %q with ciphers %q",
			c.qops, c.ciphers, allowed, d.cipherPrefs())
	}

	realm := ""
	if len(c.realms) > 0 {
		realm = c.realms[0]
	}
	f, err := d.encode(c, realm)
	if err != nil {
		return nil, err
	}
	userWire, uriWire, userHash, passHash, realmHash := f.userWire, f.uriWire, f.userHash, f.passHash, f.realmHash

	cnonce, err := d.newCnonce()
	if err != nil {
		return nil, d.fail("%w", err)
	}

	d.ha1 = sessionKey(userHash, realmHash, passHash, c.nonce, cnonce)
	resp := responseValue(d.ha1, c.nonce, nonceCount, cnonce, qop, a2Value("AUTHENTICATE:", uriWire, qop))
	want := responseValue(d.ha1, c.nonce, nonceCount, cnonce, qop, a2Value(":", uriWire, qop))
	if _, err := hex.Decode(d.rspauth[:], []byte(want)); err != nil {
		return nil, d.fail("internal error decoding rspauth: %w", err)
	}

	var b []byte
	if c.utf8 {
		b = append(b, "charset=utf-8,"...)
	}
	b = appendQuoted(b, "username", userWire)
	b = append(b, ',')
	b = appendQuoted(b, "realm", []byte(realm))
	b = append(b, ',')
	b = appendQuoted(b, "nonce", []byte(c.nonce))
	b = append(b, ",nc="+nonceCount+","...)
	b = appendQuoted(b, "cnonce", []byte(cnonce))
	b = append(b, ',')
	b = appendQuoted(b, "digest-uri", uriWire)
	b = fmt.Appendf(b, ",maxbuf=%d,response=%s,qop=%s", clientMaxBuf, resp, qop)
	if ciph != "" {
		b = append(b, ",cipher="+ciph...)
	}

	d.qop, d.cipher, d.maxbuf = qop, ciph, c.maxbuf
	d.state = stateResponded
	return b, nil
}

// encodings are the byte forms of the response's strings.
type encodings struct {
	userWire, uriWire             []byte // as sent
	userHash, passHash, realmHash []byte // as hashed
}

// encode returns the wire and hash forms of the username, digest-uri,
// password and realm: on the wire UTF-8 when the server announced
// charset=utf-8, otherwise ISO 8859-1 (challenge values arrive in the
// server's encoding already); for hashing ISO 8859-1 whenever possible (RFC
// 2831 section 2.1.2.1).
func (d *DigestMD5) encode(c *challenge, realm string) (encodings, error) {
	digestURI := d.protocol + "/" + d.serverID
	f := encodings{userWire: []byte(d.username), uriWire: []byte(digestURI), realmHash: []byte(realm)}
	if !c.utf8 {
		var ok1, ok2 bool
		f.userWire, ok1 = toLatin1(d.username)
		f.uriWire, ok2 = toLatin1(digestURI)
		if !ok1 || !ok2 {
			return f, d.fail("username or digest-uri is not ISO 8859-1 and the server did not offer charset=utf-8")
		}
	}
	var ok bool
	if f.userHash, ok = toLatin1(d.username); !ok {
		if !c.utf8 {
			return f, d.fail("username is not ISO 8859-1 and the server did not offer charset=utf-8")
		}
		f.userHash = []byte(d.username)
	}
	if f.passHash, ok = toLatin1(d.password); !ok {
		if !c.utf8 {
			return f, d.fail("password is not ISO 8859-1 and the server did not offer charset=utf-8")
		}
		f.passHash = []byte(d.password)
	}
	if c.utf8 {
		if l, ok := toLatin1(realm); ok {
			f.realmHash = l
		}
	}
	return f, nil
}

// chooseQOP picks the strongest qop (and cipher for auth-conf) acceptable to
// both sides, or "" when there is none.
func (d *DigestMD5) chooseQOP(c *challenge) (qop, ciph string) {
	for _, q := range qopPreference() {
		if !has(c.qops, q) || (d.allowed != nil && !has(d.allowed, q)) {
			continue
		}
		if q == qopAuthConf {
			for _, name := range d.cipherPrefs() {
				if has(c.ciphers, name) {
					return q, name
				}
			}
			continue
		}
		return q, ""
	}
	return "", ""
}

// Verify checks the server's final "rspauth=..." token, which proves that
// the server knows the password. On success the authentication is complete
// and, for auth-int and auth-conf, the security layer is ready.
func (d *DigestMD5) Verify(serverFinal []byte) error {
	if d.state != stateResponded {
		return d.fail("Verify called before Respond or more than once")
	}
	ds, err := parseDirectives(serverFinal)
	if err != nil {
		return d.fail("parsing the server's final message: %w", err)
	}
	var got string
	found := 0
	for _, x := range ds {
		if x.key == "rspauth" {
			got = x.value
			found++
		}
	}
	if found != 1 {
		return d.fail("server's final message has %d rspauth directives, want 1", found)
	}
	var sum [md5.Size]byte
	if len(got) != hex.EncodedLen(md5.Size) {
		return d.fail("server's rspauth %q is not 32 hex digits", got)
	}
	if _, err := hex.Decode(sum[:], []byte(got)); err != nil {
		return d.fail("server's rspauth %q is not 32 hex digits", got)
	}
	if subtle.ConstantTimeCompare(sum[:], d.rspauth[:]) != 1 {
		return d.fail("server's rspauth does not match: the server does not know the token password or the exchange was altered")
	}
	if d.qop != qopAuth {
		l, err := newSecurityLayer(d.ha1[:], d.qop, d.cipher)
		if err != nil {
			return d.fail("setting up the %s security layer: %w", d.qop, err)
		}
		d.layer = l
	}
	d.state = stateComplete
	return nil
}

// QOP returns the negotiated quality of protection: "auth", "auth-int" or
// "auth-conf" after a successful Respond, "" before.
func (d *DigestMD5) QOP() string { return d.qop }

// Cipher returns the negotiated auth-conf cipher ("rc4", "3des", "des",
// "rc4-56" or "rc4-40"), or "" when the qop is not auth-conf.
func (d *DigestMD5) Cipher() string { return d.cipher }

// MaxWrapSize returns the largest message Wrap should be given so that the
// wrapped result fits the server's maxbuf (65536 unless the challenge said
// otherwise). It is 0 until Verify succeeds, when the qop is auth, and when
// the server's maxbuf is too small for any message.
func (d *DigestMD5) MaxWrapSize() int {
	if d.state != stateComplete || d.layer == nil {
		return 0
	}
	return d.layer.maxPayload(d.maxbuf)
}

// Wrap protects an outgoing message with the negotiated security layer
// (auth-int: MAC; auth-conf: MAC and encryption). It fails before Verify has
// succeeded and when the qop is auth, which has no security layer.
func (d *DigestMD5) Wrap(msg []byte) ([]byte, error) {
	if err := d.layerReady(); err != nil {
		return nil, err
	}
	out, err := d.layer.wrap(msg)
	if err != nil {
		return nil, fmt.Errorf("sasl: DIGEST-MD5: wrapping a %d-byte message: %w", len(msg), err)
	}
	return out, nil
}

// Unwrap checks (and for auth-conf decrypts) an incoming message protected
// by the server's security layer and returns the original bytes. It fails on
// a bad MAC, a sequence number other than the next expected one, or a
// malformed message; after any failure every later Unwrap fails too.
func (d *DigestMD5) Unwrap(msg []byte) ([]byte, error) {
	if err := d.layerReady(); err != nil {
		return nil, err
	}
	out, err := d.layer.unwrap(msg)
	if err != nil {
		return nil, fmt.Errorf("sasl: DIGEST-MD5: unwrapping a %d-byte message: %w", len(msg), err)
	}
	return out, nil
}

// layerReady reports why Wrap and Unwrap cannot be used, if they cannot.
func (d *DigestMD5) layerReady() error {
	if d.state != stateComplete {
		return errors.New("sasl: DIGEST-MD5: no security layer: authentication is not complete")
	}
	if d.layer == nil {
		return errors.New("sasl: DIGEST-MD5: no security layer: negotiated qop is auth")
	}
	return nil
}

// sessionKey returns H(A1) for md5-sess without authzid:
// A1 = H(username ":" realm ":" password) ":" nonce ":" cnonce, where the
// inner H is the raw 16-byte digest.
func sessionKey(username, realm, password []byte, nonce, cnonce string) [md5.Size]byte {
	h := md5.New()
	h.Write(username)
	h.Write([]byte{':'})
	h.Write(realm)
	h.Write([]byte{':'})
	h.Write(password)
	inner := h.Sum(nil)

	h.Reset()
	h.Write(inner)
	h.Write([]byte(":" + nonce + ":" + cnonce))
	var out [md5.Size]byte
	h.Sum(out[:0])
	return out
}

// a2Value returns A2: prefix digest-uri, plus ":" and 32 zeros for auth-int
// and auth-conf. The prefix is "AUTHENTICATE:" for the client's response and
// ":" for the server's rspauth.
func a2Value(prefix string, uri []byte, qop string) []byte {
	a2 := append([]byte(prefix), uri...)
	if qop == qopAuthInt || qop == qopAuthConf {
		a2 = append(a2, ":"+zeroHashHex...)
	}
	return a2
}

// responseValue returns the lower-case hex of
// KD(HEX(H(A1)), nonce ":" nc ":" cnonce ":" qop ":" HEX(H(A2))),
// where KD(k, s) = H(k ":" s).
func responseValue(ha1 [md5.Size]byte, nonce, nc, cnonce, qop string, a2 []byte) string {
	ha2 := md5.Sum(a2)
	s := hex.EncodeToString(ha1[:]) + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + hex.EncodeToString(ha2[:])
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// toLatin1 returns s encoded in ISO 8859-1, and false if s is not valid
// UTF-8 or has a character outside ISO 8859-1.
func toLatin1(s string) ([]byte, bool) {
	if !utf8.ValidString(s) {
		return nil, false
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

// appendQuoted appends key="value" to b, escaping '"' and '\'.
func appendQuoted(b []byte, key string, value []byte) []byte {
	b = append(b, key...)
	b = append(b, '=', '"')
	for _, c := range value {
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}
