package sasl

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// KerberosCredentials is what the GSSAPI mechanism needs from a Kerberos
// login; *krb.Session implements it.
type KerberosCredentials interface {
	// ServiceTicket returns a ticket and its session key for the service
	// principal spn ("service/host@REALM").
	ServiceTicket(ctx context.Context, spn string) (messages.Ticket, types.EncryptionKey, error)
	// ClientPrincipal returns the client's principal name and realm.
	ClientPrincipal() (types.PrincipalName, string)
}

// RFC 4752 security-layer bits.
const (
	layerNone      = 1
	layerIntegrity = 2
	layerPrivacy   = 4
)

// gssMaxBuf is the receive buffer size the client announces.
const gssMaxBuf = 65536

// GSSAPI states.
const (
	gssNew = iota
	gssAwaitAPRep
	gssAwaitLayers
	gssComplete
	gssFailed
)

// GSSAPI is the client side of the SASL GSSAPI mechanism (RFC 4752) with
// Kerberos V5: one authentication of one connection, with mutual
// authentication and, for qop auth-int and auth-conf, the RFC 4121
// per-message protection (Wrap tokens) of the established context.
//
// Use: Start (the initial response, a GSS AP-REQ), then Step with each
// server challenge (first the AP-REP, then the server's security-layer
// offer) until Complete, then Wrap/Unwrap when QOP is not "auth". Start
// and Step must not run concurrently with anything else; once complete,
// Wrap and Unwrap may run concurrently with each other.
//
// Only enctypes with RFC 4121 tokens are supported (AES, and the AES-SHA2
// family); DES and RC4 contexts fail with a clear error.
type GSSAPI struct {
	creds KerberosCredentials
	spn   string

	allowed    []string
	badAllowed string
	// Now returns the current time for the authenticator; nil means
	// time.Now. Tests use it to produce clock-skew failures.
	Now func() time.Time
	// Rand is the source of the subkey and sequence number; nil means
	// crypto/rand.
	Rand io.Reader

	state   int
	session types.EncryptionKey // ticket session key
	subkey  types.EncryptionKey // our (initiator) subkey
	ctime   time.Time
	cusec   int
	keys    wrapKeys
	qop     string
	maxbuf  int // server's receive buffer

	sendMu  sync.Mutex
	sendSeq uint64
	recvMu  sync.Mutex
	recvSeq uint64
	recvErr error
}

// NewGSSAPI returns a GSSAPI client that authenticates with creds to the
// service principal spn, e.g. "rm/rm1.example.com@EXAMPLE.COM".
func NewGSSAPI(creds KerberosCredentials, spn string) *GSSAPI {
	return &GSSAPI{creds: creds, spn: spn}
}

// SetQOPs restricts the qops the client accepts, with the same values and
// rules as DigestMD5.SetQOPs (RFC names or hadoop.rpc.protection names,
// comma-separated lists allowed). With no restriction the strongest layer
// the server offers is chosen.
func (g *GSSAPI) SetQOPs(allowed ...string) {
	if g.state != gssNew {
		return
	}
	d := &DigestMD5{}
	d.SetQOPs(allowed...)
	g.allowed, g.badAllowed = d.allowed, d.badAllowed
}

// fail marks the authentication failed and returns err with the package
// prefix.
func (g *GSSAPI) fail(format string, args ...any) error {
	g.state = gssFailed
	return fmt.Errorf("sasl: GSSAPI: "+format, args...)
}

// Start obtains a service ticket and returns the initial response: an
// RFC 2743 framed AP-REQ requesting mutual authentication, with a fresh
// subkey and sequence number. Errors from the ticket request are returned
// unchanged (krb.Session returns *krb.Error).
func (g *GSSAPI) Start(ctx context.Context) ([]byte, error) {
	if g.state != gssNew {
		return nil, g.fail("Start called twice")
	}
	if g.badAllowed != "" {
		return nil, g.fail("unknown qop %q given to SetQOPs", g.badAllowed)
	}
	tkt, key, err := g.creds.ServiceTicket(ctx, g.spn)
	if err != nil {
		g.state = gssFailed
		return nil, err
	}
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, g.fail("service ticket for %s uses an unsupported enctype %d", g.spn, key.KeyType)
	}
	cname, crealm := g.creds.ClientPrincipal()
	auth, err := types.NewAuthenticator(crealm, cname)
	if err != nil {
		return nil, g.fail("creating the authenticator: %v", err)
	}
	if err := g.fillAuthenticator(&auth, key.KeyType, et.GetKeyByteSize()); err != nil {
		return nil, err
	}
	apReq, err := messages.NewAPReq(tkt, key, auth)
	if err != nil {
		return nil, g.fail("creating the AP-REQ: %v", err)
	}
	types.SetFlag(&apReq.APOptions, flags.APOptionMutualRequired)
	b, err := apReq.Marshal()
	if err != nil {
		return nil, g.fail("encoding the AP-REQ: %v", err)
	}
	g.session = key
	g.state = gssAwaitAPRep
	return frameContextToken(tokAPReq, b), nil
}

// fillAuthenticator sets the time, GSS checksum (flags), subkey and
// sequence number of auth.
func (g *GSSAPI) fillAuthenticator(auth *types.Authenticator, keyType int32, keySize int) error {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	r := g.Rand
	if r == nil {
		r = rand.Reader
	}
	t := now().UTC()
	auth.CTime = t.Truncate(time.Second)
	auth.Cusec = t.Nanosecond() / 1000
	var seq [4]byte
	sk := make([]byte, keySize)
	if _, err := io.ReadFull(r, seq[:]); err != nil {
		return g.fail("reading random bytes: %v", err)
	}
	if _, err := io.ReadFull(r, sk); err != nil {
		return g.fail("reading random bytes: %v", err)
	}
	auth.SeqNumber = int64(binary.BigEndian.Uint32(seq[:]) & 0x3fffffff)
	auth.SubKey = types.EncryptionKey{KeyType: keyType, KeyValue: sk}
	// RFC 4121 section 4.1.1 checksum: Lgth 16, zero channel bindings, flags.
	ck := make([]byte, 24)
	binary.LittleEndian.PutUint32(ck[0:4], 16)
	binary.LittleEndian.PutUint32(ck[20:24], uint32(gssapi.ContextFlagMutual|gssapi.ContextFlagReplay|
		gssapi.ContextFlagSequence|gssapi.ContextFlagConf|gssapi.ContextFlagInteg))
	auth.Cksum = types.Checksum{CksumType: chksumtype.GSSAPI, Checksum: ck}
	g.ctime, g.cusec = auth.CTime, auth.Cusec
	g.subkey = auth.SubKey
	g.sendSeq = uint64(auth.SeqNumber)
	return nil
}

// Step processes a server challenge and returns the response to send:
// for the AP-REP an empty response, for the security-layer offer the
// wrapped choice. After the second step the mechanism is complete.
func (g *GSSAPI) Step(challenge []byte) ([]byte, error) {
	switch g.state {
	case gssAwaitAPRep:
		if err := g.readAPRep(challenge); err != nil {
			return nil, err
		}
		g.state = gssAwaitLayers
		return []byte{}, nil
	case gssAwaitLayers:
		resp, err := g.chooseLayer(challenge)
		if err != nil {
			return nil, err
		}
		g.state = gssComplete
		return resp, nil
	case gssComplete:
		return nil, g.fail("unexpected challenge after authentication completed")
	}
	return nil, g.fail("Step called before Start or after a failure")
}

// readAPRep verifies the server's AP-REP (mutual authentication) and sets
// up the context keys.
func (g *GSSAPI) readAPRep(tok []byte) error {
	id, msg, err := parseContextToken(tok)
	if err != nil {
		return g.fail("server's reply: %v", err)
	}
	switch id {
	case tokAPRep:
	case tokKRBError:
		var ke messages.KRBError
		if err := ke.Unmarshal(msg); err != nil {
			return g.fail("server sent an undecodable KRB-ERROR: %v", err)
		}
		g.state = gssFailed
		return fmt.Errorf("sasl: GSSAPI: server rejected the ticket for %s: %w", g.spn, ke)
	default:
		return g.fail("server's reply has token id %x, want an AP-REP", id)
	}
	var rep messages.APRep
	if err := rep.Unmarshal(msg); err != nil {
		return g.fail("decoding the AP-REP: %v", err)
	}
	plain, err := crypto.DecryptEncPart(rep.EncPart, g.session, keyusage.AP_REP_ENCPART)
	if err != nil {
		return g.fail("the AP-REP does not decrypt with the session key (the server is not %s?): %v", g.spn, err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		return g.fail("decoding the AP-REP: %v", err)
	}
	if !part.CTime.Equal(g.ctime) || part.Cusec != g.cusec {
		return g.fail("mutual authentication failed: the AP-REP does not echo our authenticator's time")
	}
	g.recvSeq = uint64(part.SequenceNumber)
	switch {
	case len(part.Subkey.KeyValue) > 0:
		g.keys = wrapKeys{key: part.Subkey, acceptorSubkey: true}
	default:
		g.keys = wrapKeys{key: g.subkey}
	}
	return nil
}

// chooseLayer unwraps the server's RFC 4752 offer (bit mask of security
// layers and its maximum buffer size), picks the strongest allowed layer
// and returns the wrapped choice with our buffer size and no authorization
// id.
func (g *GSSAPI) chooseLayer(tok []byte) ([]byte, error) {
	offer, err := g.Unwrap(tok)
	if err != nil {
		g.state = gssFailed
		return nil, err
	}
	if len(offer) != 4 {
		return nil, g.fail("server's security-layer offer is %d bytes, want 4", len(offer))
	}
	mask := offer[0]
	g.maxbuf = int(offer[1])<<16 | int(offer[2])<<8 | int(offer[3])
	var layer byte
	for _, q := range qopPreference() {
		bit := layerBit(q)
		if mask&bit == 0 || (g.allowed != nil && !has(g.allowed, q)) {
			continue
		}
		layer, g.qop = bit, q
		break
	}
	if layer == 0 {
		allowed := g.allowed
		if allowed == nil {
			allowed = qopPreference()
		}
		return nil, g.fail("no common protection layer: server offers %s, client allows %s (check hadoop.rpc.protection)",
			strings.Join(layerNames(mask), ","), strings.Join(allowed, ","))
	}
	reply := []byte{layer, 0, 0, 0}
	if layer != layerNone {
		n := uint32(gssMaxBuf)
		reply[1], reply[2], reply[3] = byte(n>>16), byte(n>>8), byte(n)
	}
	return g.wrap(reply, false)
}

// layerBit maps a qop to its RFC 4752 bit.
func layerBit(q string) byte {
	switch q {
	case qopAuthConf:
		return layerPrivacy
	case qopAuthInt:
		return layerIntegrity
	}
	return layerNone
}

// layerNames lists the qops of an RFC 4752 bit mask.
func layerNames(mask byte) []string {
	var out []string
	for _, q := range qopPreference() {
		if mask&layerBit(q) != 0 {
			out = append(out, q)
		}
	}
	if out == nil {
		out = []string{"none"}
	}
	return out
}

// Complete reports whether the exchange has finished on the client side;
// the server then reports SUCCESS (without data).
func (g *GSSAPI) Complete() bool { return g.state == gssComplete }

// QOP returns the negotiated qop ("auth", "auth-int" or "auth-conf"), or ""
// before the security layer was chosen.
func (g *GSSAPI) QOP() string { return g.qop }

// MaxWrapSize returns the largest message Wrap should be given so that the
// token fits the server's buffer (0: no limit known).
func (g *GSSAPI) MaxWrapSize() int {
	if g.maxbuf == 0 || g.qop == qopAuth || g.qop == "" {
		return 0
	}
	// Header, confounder, encrypted header copy and checksum, generously.
	n := g.maxbuf - 2*wrapHeaderLen - 64
	if n < 1 {
		return 1
	}
	return n
}

// Wrap protects an outgoing message: sealed for auth-conf, integrity only
// for auth-int. It fails unless authentication completed with one of those.
func (g *GSSAPI) Wrap(msg []byte) ([]byte, error) {
	if g.state != gssComplete || (g.qop != qopAuthInt && g.qop != qopAuthConf) {
		return nil, errors.New("sasl: GSSAPI: no security layer (authentication incomplete or qop auth)")
	}
	return g.wrap(msg, g.qop == qopAuthConf)
}

// wrap builds a Wrap token with the next send sequence number.
func (g *GSSAPI) wrap(msg []byte, conf bool) ([]byte, error) {
	g.sendMu.Lock()
	defer g.sendMu.Unlock()
	tok, err := g.keys.wrapToken(g.sendSeq, msg, conf)
	if err != nil {
		return nil, fmt.Errorf("sasl: GSSAPI: wrap: %w", err)
	}
	g.sendSeq++
	return tok, nil
}

// Unwrap checks (and decrypts) a Wrap token from the server and returns
// its payload. Tokens must arrive in order: a wrong sequence number, a bad
// checksum or an unsealed token on an auth-conf connection fails this and
// every later call.
func (g *GSSAPI) Unwrap(tok []byte) ([]byte, error) {
	if g.state != gssAwaitLayers && g.state != gssComplete {
		return nil, errors.New("sasl: GSSAPI: no established context")
	}
	g.recvMu.Lock()
	defer g.recvMu.Unlock()
	if g.recvErr != nil {
		return nil, fmt.Errorf("sasl: GSSAPI: an earlier message failed, refusing all later ones: %w", g.recvErr)
	}
	payload, seq, sealed, err := g.keys.unwrapToken(tok)
	switch {
	case err != nil:
	case seq != g.recvSeq:
		err = fmt.Errorf("sequence number %d, want %d (message replayed, reordered or lost)", seq, g.recvSeq)
	case g.qop == qopAuthConf && !sealed:
		err = errors.New("unencrypted message on a privacy (auth-conf) connection")
	}
	if err != nil {
		g.recvErr = err
		return nil, fmt.Errorf("sasl: GSSAPI: unwrap: %w", err)
	}
	g.recvSeq++
	return payload, nil
}
