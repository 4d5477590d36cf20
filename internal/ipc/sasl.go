package ipc

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
	"github.com/spindle-yarn/spindle/internal/sasl"
)

// securityLayer is the SASL security layer used after a negotiation that
// ended with qop auth-int or auth-conf (*sasl.DigestMD5 and *sasl.GSSAPI
// implement it).
type securityLayer interface {
	Wrap(msg []byte) ([]byte, error)
	Unwrap(msg []byte) ([]byte, error)
	// MaxWrapSize is the largest message Wrap accepts in one piece so that
	// the result fits the server's buffer; 0 means no limit.
	MaxWrapSize() int
}

// saslResult is the outcome of a SASL negotiation.
type saslResult struct {
	simple bool          // the server chose (or only offers) SIMPLE
	method string        // "TOKEN" or "KERBEROS" when not simple
	qop    string        // negotiated qop
	layer  securityLayer // non-nil when qop is auth-int or auth-conf
}

// maxSASLRounds bounds the number of messages read during negotiation.
const maxSASLRounds = 10

// Names used in SaslAuth.
const (
	methodToken     = "TOKEN"
	methodKerberos  = "KERBEROS"
	methodSimple    = "SIMPLE"
	mechanismDigest = "DIGEST-MD5"
	mechanismGSSAPI = "GSSAPI"
)

// mechanism is one SASL client mechanism as the negotiation drives it.
type mechanism interface {
	// step answers a server challenge.
	step(challenge []byte) ([]byte, error)
	// finish checks the server's SUCCESS token and returns the qop and, if
	// it is not auth, the security layer.
	finish(token []byte) (string, securityLayer, error)
}

// negotiateSASL writes the SASL preamble and runs the negotiation over w
// and r until the server reports SUCCESS: TOKEN/DIGEST-MD5 when the
// connection has a token, KERBEROS/GSSAPI when the client has Kerberos
// credentials. Deadlines are set by the caller; ctx bounds ticket requests.
func (cn *conn) negotiateSASL(ctx context.Context, w io.Writer, r *bufio.Reader) (saslResult, error) {
	hello, err := encodeSASL(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum()})
	if err != nil {
		return saslResult{}, err
	}
	if _, err := w.Write(append(preamble(authSASL), hello...)); err != nil {
		return saslResult{}, err
	}
	msg, err := readSASL(r, cn.c.cfg.MaxResponseSize)
	if err != nil {
		return saslResult{}, err
	}
	switch msg.GetState() {
	case commonpb.RpcSaslProto_SUCCESS:
		// Answering NEGOTIATE with SUCCESS: the server does not use SASL
		// at all (SIMPLE).
		return saslResult{simple: true}, nil
	case commonpb.RpcSaslProto_NEGOTIATE:
	default:
		return saslResult{}, fmt.Errorf("sasl: unexpected state %v from server, want NEGOTIATE", msg.GetState())
	}
	auth, err := cn.chooseAuth(msg.GetAuths())
	if err != nil {
		return saslResult{}, err
	}
	chosen := proto.Clone(auth).(*commonpb.RpcSaslProto_SaslAuth)
	chosen.Challenge = nil
	initiate := &commonpb.RpcSaslProto{
		State: commonpb.RpcSaslProto_INITIATE.Enum(),
		Auths: []*commonpb.RpcSaslProto_SaslAuth{chosen},
	}
	if auth.GetMethod() == methodSimple {
		// The server lets us fall back to SIMPLE; it does not answer the
		// INITIATE.
		return saslResult{simple: true}, writeSASL(w, initiate)
	}
	mech, initial, err := cn.startMechanism(ctx, auth)
	if err != nil {
		return saslResult{}, err
	}
	initiate.Token = initial
	if err := writeSASL(w, initiate); err != nil {
		return saslResult{}, err
	}
	res, err := cn.runMechanism(w, r, mech)
	if err != nil {
		return saslResult{}, err
	}
	res.method = auth.GetMethod()
	return res, nil
}

// startMechanism creates the client mechanism for auth and returns its
// initial response.
func (cn *conn) startMechanism(ctx context.Context, auth *commonpb.RpcSaslProto_SaslAuth) (mechanism, []byte, error) {
	if auth.GetMethod() == methodKerberos {
		return cn.startGSSAPI(ctx, auth)
	}
	d := &digestMech{d: sasl.NewDigestMD5(
		base64.StdEncoding.EncodeToString(cn.tok.Identifier),
		base64.StdEncoding.EncodeToString(cn.tok.Password),
		auth.GetProtocol(), auth.GetServerId())}
	d.d.SetQOPs(cn.c.qops...)
	if auth.Challenge == nil {
		return d, []byte{}, nil // DIGEST-MD5 has no initial response
	}
	// The server piggybacked the first challenge.
	resp, err := d.step(auth.GetChallenge())
	return d, resp, err
}

// runMechanism answers CHALLENGEs until the server reports SUCCESS.
func (cn *conn) runMechanism(w io.Writer, r *bufio.Reader, mech mechanism) (saslResult, error) {
	for round := 0; round < maxSASLRounds; round++ {
		msg, err := readSASL(r, cn.c.cfg.MaxResponseSize)
		if err != nil {
			return saslResult{}, err
		}
		switch msg.GetState() {
		case commonpb.RpcSaslProto_CHALLENGE:
			resp, err := mech.step(msg.GetToken())
			if err != nil {
				return saslResult{}, err
			}
			if err := writeSASL(w, &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_RESPONSE.Enum(), Token: resp}); err != nil {
				return saslResult{}, err
			}
		case commonpb.RpcSaslProto_SUCCESS:
			qop, layer, err := mech.finish(msg.GetToken())
			if err != nil {
				return saslResult{}, err
			}
			if len(cn.c.qops) > 0 && !contains(cn.c.qops, qop) {
				return saslResult{}, fmt.Errorf("sasl: negotiated qop %q is not allowed by protection %q", qop, cn.c.cfg.Protection)
			}
			return saslResult{qop: qop, layer: layer}, nil
		default:
			return saslResult{}, fmt.Errorf("sasl: unexpected state %v from server", msg.GetState())
		}
	}
	return saslResult{}, fmt.Errorf("sasl: no SUCCESS after %d messages", maxSASLRounds)
}

// digestMech drives DIGEST-MD5 for TOKEN authentication.
type digestMech struct {
	d         *sasl.DigestMD5
	responded bool
}

func (m *digestMech) step(challenge []byte) ([]byte, error) {
	if m.responded {
		return nil, errors.New("sasl: unexpected second DIGEST-MD5 challenge")
	}
	m.responded = true
	return m.d.Respond(challenge)
}

func (m *digestMech) finish(token []byte) (string, securityLayer, error) {
	if !m.responded {
		return "", nil, errors.New("sasl: server reported success before authentication completed")
	}
	if err := m.d.Verify(token); err != nil {
		return "", nil, err
	}
	if q := m.d.QOP(); q != "auth" {
		return q, m.d, nil
	}
	return "auth", nil, nil
}

// chooseAuth picks, in the server's order, the first auth this connection
// can do: TOKEN/DIGEST-MD5 with a token, KERBEROS/GSSAPI with Kerberos
// credentials, or SIMPLE if the server offers it first.
func (cn *conn) chooseAuth(auths []*commonpb.RpcSaslProto_SaslAuth) (*commonpb.RpcSaslProto_SaslAuth, error) {
	var offered []string
	for _, a := range auths {
		switch {
		case cn.tok != nil && a.GetMethod() == methodToken && a.GetMechanism() == mechanismDigest:
			return a, nil
		case cn.tok == nil && cn.c.cfg.Kerberos != nil && a.GetMethod() == methodKerberos && a.GetMechanism() == mechanismGSSAPI:
			return a, nil
		case a.GetMethod() == methodSimple:
			return a, nil
		}
		offered = append(offered, a.GetMethod()+"/"+a.GetMechanism())
	}
	if cn.tok == nil && cn.c.cfg.Kerberos != nil {
		return nil, fmt.Errorf("sasl: server offers no Kerberos authentication (offered %v; is hadoop.security.authentication=kerberos on the server?)", offered)
	}
	return nil, fmt.Errorf("sasl: server offers no usable authentication method (offered %v; supported TOKEN/DIGEST-MD5)", offered)
}

// writeSASL encodes and writes one SASL message.
func writeSASL(w io.Writer, m *commonpb.RpcSaslProto) error {
	pkt, err := encodeSASL(m)
	if err != nil {
		return err
	}
	_, err = w.Write(pkt)
	return err
}

// encodeSASL builds a SASL packet (callId -33, empty clientId).
func encodeSASL(m *commonpb.RpcSaslProto) ([]byte, error) {
	pkt, err := encodePacket(requestHeader(callIDSASL, -1, nil), m)
	if err != nil {
		return nil, fmt.Errorf("encode SASL %v: %w", m.GetState(), err)
	}
	return pkt, nil
}

// readSASL reads one SASL reply. Server exceptions (e.g. an invalid token)
// are returned as remote errors.
func readSASL(r io.Reader, max int) (*commonpb.RpcSaslProto, error) {
	body, err := readPacket(r, max)
	if err != nil {
		return nil, err
	}
	h, rest, err := decodeResponseHeader(body)
	if err != nil {
		return nil, err
	}
	if h.GetStatus() != commonpb.RpcResponseHeaderProto_SUCCESS {
		return nil, remoteErrorFromHeader(h)
	}
	if id := int32(h.GetCallId()); id != callIDSASL {
		return nil, fmt.Errorf("sasl: non-SASL response (call id %d) during negotiation", id)
	}
	mb, _, err := nextDelimited(rest)
	if err != nil {
		return nil, fmt.Errorf("sasl: decode message: %w", err)
	}
	m := &commonpb.RpcSaslProto{}
	if err := proto.Unmarshal(mb, m); err != nil {
		return nil, fmt.Errorf("sasl: decode message: %w", err)
	}
	return m, nil
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
