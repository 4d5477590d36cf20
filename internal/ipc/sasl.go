package ipc

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
	"github.com/spindle-yarn/spindle/internal/sasl"
)

// securityLayer is the SASL security layer used after a negotiation that
// ended with qop auth-int or auth-conf (*sasl.DigestMD5 implements it).
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
	qop    string        // negotiated qop for TOKEN
	layer  securityLayer // non-nil when qop is auth-int or auth-conf
}

// maxSASLRounds bounds the number of messages read during negotiation.
const maxSASLRounds = 10

// Names used in SaslAuth.
const (
	methodToken     = "TOKEN"
	methodSimple    = "SIMPLE"
	mechanismDigest = "DIGEST-MD5"
)

// negotiateSASL writes the SASL preamble and runs the negotiation over w
// and r until the server reports SUCCESS. Deadlines are set by the caller.
func (cn *conn) negotiateSASL(w io.Writer, r *bufio.Reader) (saslResult, error) {
	hello, err := encodeSASL(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum()})
	if err != nil {
		return saslResult{}, err
	}
	if _, err := w.Write(append(preamble(authSASL), hello...)); err != nil {
		return saslResult{}, err
	}
	n := &negotiation{cn: cn}
	for round := 0; round < maxSASLRounds; round++ {
		msg, err := readSASL(r, cn.c.cfg.MaxResponseSize)
		if err != nil {
			return saslResult{}, err
		}
		var reply *commonpb.RpcSaslProto
		var res *saslResult
		switch msg.GetState() {
		case commonpb.RpcSaslProto_NEGOTIATE:
			reply, res, err = n.initiate(round, msg)
		case commonpb.RpcSaslProto_CHALLENGE:
			reply, err = n.respond(msg)
		case commonpb.RpcSaslProto_SUCCESS:
			res, err = n.success(round, msg)
		default:
			err = fmt.Errorf("sasl: unexpected state %v from server", msg.GetState())
		}
		if err != nil {
			return saslResult{}, err
		}
		if reply != nil {
			pkt, err := encodeSASL(reply)
			if err != nil {
				return saslResult{}, err
			}
			if _, err := w.Write(pkt); err != nil {
				return saslResult{}, err
			}
		}
		if res != nil {
			return *res, nil
		}
	}
	return saslResult{}, fmt.Errorf("sasl: no SUCCESS after %d messages", maxSASLRounds)
}

// negotiation is the client's state in one SASL negotiation.
type negotiation struct {
	cn        *conn
	digest    *sasl.DigestMD5
	responded bool
}

// initiate answers the server's NEGOTIATE (the first message) with the
// chosen auth. Choosing SIMPLE ends the negotiation (res is set): the server
// does not answer that INITIATE.
func (n *negotiation) initiate(round int, msg *commonpb.RpcSaslProto) (reply *commonpb.RpcSaslProto, res *saslResult, err error) {
	if round != 0 {
		return nil, nil, errors.New("sasl: unexpected NEGOTIATE from server")
	}
	auth, err := chooseAuth(msg.GetAuths())
	if err != nil {
		return nil, nil, err
	}
	chosen := proto.Clone(auth).(*commonpb.RpcSaslProto_SaslAuth)
	chosen.Challenge = nil
	reply = &commonpb.RpcSaslProto{
		State: commonpb.RpcSaslProto_INITIATE.Enum(),
		Auths: []*commonpb.RpcSaslProto_SaslAuth{chosen},
	}
	if auth.GetMethod() == methodSimple {
		return reply, &saslResult{simple: true}, nil
	}
	n.digest = sasl.NewDigestMD5(
		base64.StdEncoding.EncodeToString(n.cn.tok.Identifier),
		base64.StdEncoding.EncodeToString(n.cn.tok.Password),
		auth.GetProtocol(), auth.GetServerId())
	n.digest.SetQOPs(n.cn.c.qops...)
	if auth.Challenge == nil {
		reply.Token = []byte{} // DIGEST-MD5 has no initial response
		return reply, nil, nil
	}
	// The server piggybacked the first challenge.
	if reply.Token, err = n.digest.Respond(auth.GetChallenge()); err != nil {
		return nil, nil, err
	}
	n.responded = true
	return reply, nil, nil
}

// respond answers the server's DIGEST-MD5 challenge.
func (n *negotiation) respond(msg *commonpb.RpcSaslProto) (*commonpb.RpcSaslProto, error) {
	if n.digest == nil {
		return nil, errors.New("sasl: CHALLENGE before the mechanism was chosen")
	}
	if n.responded {
		return nil, errors.New("sasl: unexpected second DIGEST-MD5 challenge")
	}
	resp, err := n.digest.Respond(msg.GetToken())
	if err != nil {
		return nil, err
	}
	n.responded = true
	return &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_RESPONSE.Enum(), Token: resp}, nil
}

// success checks the server's SUCCESS and returns the negotiated protection.
func (n *negotiation) success(round int, msg *commonpb.RpcSaslProto) (*saslResult, error) {
	if round == 0 {
		// Answering NEGOTIATE with SUCCESS: the server does not use SASL at all (SIMPLE).
		return &saslResult{simple: true}, nil
	}
	if n.digest == nil || !n.responded {
		return nil, errors.New("sasl: server reported success before authentication completed")
	}
	if err := n.digest.Verify(msg.GetToken()); err != nil {
		return nil, err
	}
	qop := n.digest.QOP()
	if len(n.cn.c.qops) > 0 && !contains(n.cn.c.qops, qop) {
		return nil, fmt.Errorf("sasl: negotiated qop %q is not allowed by protection %q", qop, n.cn.c.cfg.Protection)
	}
	res := &saslResult{qop: qop}
	if qop != "auth" {
		res.layer = n.digest
	}
	return res, nil
}

// chooseAuth picks, in the server's order, the first auth we can do with a
// token: TOKEN/DIGEST-MD5, or SIMPLE if the server offers it first.
func chooseAuth(auths []*commonpb.RpcSaslProto_SaslAuth) (*commonpb.RpcSaslProto_SaslAuth, error) {
	var offered []string
	for _, a := range auths {
		switch {
		case a.GetMethod() == methodToken && a.GetMechanism() == mechanismDigest:
			return a, nil
		case a.GetMethod() == methodSimple:
			return a, nil
		}
		offered = append(offered, a.GetMethod()+"/"+a.GetMechanism())
	}
	return nil, fmt.Errorf("sasl: server offers no usable authentication method (offered %v; supported TOKEN/DIGEST-MD5)", offered)
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
