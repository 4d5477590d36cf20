package ipc

// A fake Hadoop IPC server for hermetic tests. It parses what the client
// sends (preamble, SASL, connection context, requests, pings) with code of
// its own and answers through a handler.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

// fakeRequest is one call as received by the fake server.
type fakeRequest struct {
	Header    *commonpb.RpcRequestHeaderProto
	ReqHeader *commonpb.RequestHeaderProto
	Body      []byte // the request message bytes (without length prefix)
	Raw       []byte // the whole unwrapped packet including its length
	Conn      *serverConn
}

// serverOptions configure the fake server.
type serverOptions struct {
	// token, if set, makes the server demand SASL TOKEN auth with it;
	// SIMPLE connections are refused with a FATAL AccessControlException.
	token *Token
	// qops offered in the DIGEST-MD5 challenge (default "auth").
	qops []string
	// noEmbeddedChallenge makes the server send a separate CHALLENGE
	// instead of putting the challenge in the NEGOTIATE reply.
	noEmbeddedChallenge bool
	// negotiateReply, if set, is sent verbatim (a whole packet) as the reply
	// to NEGOTIATE; the server then takes realm/nonce from its challenge.
	negotiateReply []byte
	// initiateReply, if set, is sent verbatim as the reply to INITIATE and
	// the connection is closed.
	initiateReply []byte
	// badRspauth makes the server send a wrong rspauth.
	badRspauth bool
	// splitWrap makes the server split each wrapped response into two
	// WRAP messages.
	splitWrap bool
	// silent makes the server accept connections and never read or write.
	silent bool
	// rejectContext makes the server answer the connection context with a
	// FATAL AccessControlException (call id -3) and close.
	rejectContext bool
}

// fakeServer listens on 127.0.0.1 and serves IPC connections.
type fakeServer struct {
	t       *testing.T
	ln      net.Listener
	addr    string
	opts    serverOptions
	handler func(req *fakeRequest)

	accepted atomic.Int32
	pings    atomic.Int32

	mu        sync.Mutex
	conns     []*serverConn
	contexts  []*commonpb.IpcConnectionContextProto
	preambles [][]byte
	pingHdrs  []*commonpb.RpcRequestHeaderProto
	errs      []error
	closedCh  chan struct{} // receives when a served connection ends
	wg        sync.WaitGroup
}

func newFakeServer(t *testing.T, opts serverOptions, handler func(req *fakeRequest)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{t: t, ln: ln, addr: ln.Addr().String(), opts: opts, handler: handler,
		closedCh: make(chan struct{}, 100)}
	s.wg.Add(1)
	go s.acceptLoop()
	t.Cleanup(s.close)
	return s
}

func (s *fakeServer) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.accepted.Add(1)
		sc := &serverConn{s: s, nc: nc}
		s.mu.Lock()
		s.conns = append(s.conns, sc)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			err := sc.serve()
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.mu.Lock()
				s.errs = append(s.errs, err)
				s.mu.Unlock()
			}
			nc.Close()
			select {
			case s.closedCh <- struct{}{}:
			default:
			}
		}()
	}
}

func (s *fakeServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, sc := range s.conns {
		sc.nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// serverErrors returns protocol errors the server detected.
func (s *fakeServer) serverErrors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// serverConn is one accepted connection.
type serverConn struct {
	s   *fakeServer
	nc  net.Conn
	br  *bufio.Reader
	wmu sync.Mutex
	dig *digestServer // non-nil after TOKEN auth
	wrp bool          // responses and requests are wrapped
	in  []byte        // unwrapped request bytes not yet consumed
	qop string
}

// readRaw reads one packet from the socket (length + body).
func (sc *serverConn) readRaw() ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(sc.br, l[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(l[:])
	if n > 64<<20 {
		return nil, fmt.Errorf("fake server: request packet of %d bytes", n)
	}
	b := make([]byte, 4+n)
	copy(b, l[:])
	if _, err := io.ReadFull(sc.br, b[4:]); err != nil {
		return nil, err
	}
	return b, nil
}

// splitMsgs splits a packet body into its varint-delimited messages.
func splitMsgs(body []byte) ([][]byte, error) {
	var out [][]byte
	for len(body) > 0 {
		n, k := protowire.ConsumeVarint(body)
		if k < 0 || uint64(len(body)-k) < n {
			return nil, errors.New("fake server: bad delimited message")
		}
		out = append(out, body[k:k+int(n)])
		body = body[k+int(n):]
	}
	return out, nil
}

// readSASLMsg reads a SASL packet from the client.
func (sc *serverConn) readSASLMsg() (*commonpb.RpcSaslProto, error) {
	raw, err := sc.readRaw()
	if err != nil {
		return nil, err
	}
	msgs, err := splitMsgs(raw[4:])
	if err != nil || len(msgs) != 2 {
		return nil, fmt.Errorf("fake server: SASL packet with %d messages (%v)", len(msgs), err)
	}
	h := &commonpb.RpcRequestHeaderProto{}
	if err := proto.Unmarshal(msgs[0], h); err != nil {
		return nil, err
	}
	if h.GetCallId() != -33 || len(h.GetClientId()) != 0 || h.GetRetryCount() != -1 {
		return nil, fmt.Errorf("fake server: bad SASL header %v", h)
	}
	m := &commonpb.RpcSaslProto{}
	if err := proto.Unmarshal(msgs[1], m); err != nil {
		return nil, err
	}
	return m, nil
}

// packet encodes a server packet from messages (test-side encoder).
func packet(msgs ...proto.Message) []byte {
	var body []byte
	for _, m := range msgs {
		b, err := proto.Marshal(m)
		if err != nil {
			panic(err)
		}
		body = protowire.AppendVarint(body, uint64(len(b)))
		body = append(body, b...)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	return append(out, body...)
}

func okHeader(callID int32) *commonpb.RpcResponseHeaderProto {
	return &commonpb.RpcResponseHeaderProto{
		CallId: proto.Uint32(uint32(callID)),
		Status: commonpb.RpcResponseHeaderProto_SUCCESS.Enum(),
	}
}

func errHeader(callID int32, class, msg string, fatal bool) *commonpb.RpcResponseHeaderProto {
	st, code := commonpb.RpcResponseHeaderProto_ERROR, commonpb.RpcResponseHeaderProto_ERROR_APPLICATION
	if fatal {
		st, code = commonpb.RpcResponseHeaderProto_FATAL, commonpb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED
	}
	return &commonpb.RpcResponseHeaderProto{
		CallId:             proto.Uint32(uint32(callID)),
		Status:             st.Enum(),
		ExceptionClassName: proto.String(class),
		ErrorMsg:           proto.String(msg),
		ErrorDetail:        code.Enum(),
	}
}

func (sc *serverConn) writeSASL(m *commonpb.RpcSaslProto) error {
	_, err := sc.nc.Write(packet(okHeader(-33), m))
	return err
}

// send writes one or more complete response packets, wrapping them if the
// connection negotiated a security layer.
func (sc *serverConn) send(pkts ...[]byte) error {
	sc.wmu.Lock()
	defer sc.wmu.Unlock()
	plain := bytes.Join(pkts, nil)
	if !sc.wrp {
		_, err := sc.nc.Write(plain)
		return err
	}
	pieces := [][]byte{plain}
	if sc.s.opts.splitWrap && len(plain) > 3 {
		cut := len(plain)/2 + 1
		pieces = [][]byte{plain[:cut], plain[cut:]}
	}
	var out []byte
	for _, p := range pieces {
		tok := sc.dig.wrap(p)
		out = append(out, packet(okHeader(-33),
			&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_WRAP.Enum(), Token: tok})...)
	}
	_, err := sc.nc.Write(out)
	return err
}

// reply answers call id with a SUCCESS and resp (nil = empty message).
func (sc *serverConn) reply(id int32, resp proto.Message) error {
	if resp == nil {
		b := packet(okHeader(id))
		b = append(b, 0) // empty message
		binary.BigEndian.PutUint32(b, uint32(len(b)-4))
		return sc.send(b)
	}
	return sc.send(packet(okHeader(id), resp))
}

// replyError answers call id with an exception.
func (sc *serverConn) replyError(id int32, class, msg string, fatal bool) error {
	err := sc.send(packet(errHeader(id, class, msg, fatal)))
	if fatal {
		time.Sleep(10 * time.Millisecond)
		sc.nc.Close()
	}
	return err
}

// nextPacket returns the next client packet (unwrapped when wrapping).
func (sc *serverConn) nextPacket() ([]byte, error) {
	if !sc.wrp {
		return sc.readRaw()
	}
	for {
		if len(sc.in) >= 4 {
			n := int(binary.BigEndian.Uint32(sc.in))
			if len(sc.in) >= 4+n {
				p := append([]byte{}, sc.in[:4+n]...)
				sc.in = sc.in[4+n:]
				return p, nil
			}
		}
		m, err := sc.readSASLMsg()
		if err != nil {
			return nil, err
		}
		if m.GetState() != commonpb.RpcSaslProto_WRAP {
			return nil, fmt.Errorf("fake server: expected WRAP, got %v", m.GetState())
		}
		plain, err := sc.dig.unwrap(m.GetToken())
		if err != nil {
			return nil, fmt.Errorf("fake server: unwrap: %w", err)
		}
		sc.in = append(sc.in, plain...)
	}
}

// serve runs one connection.
func (sc *serverConn) serve() error {
	s := sc.s
	if s.opts.silent {
		_, err := io.Copy(io.Discard, sc.nc) // read to keep buffers empty, never answer
		return err
	}
	sc.br = bufio.NewReader(sc.nc)
	pre := make([]byte, 7)
	if _, err := io.ReadFull(sc.br, pre); err != nil {
		return err
	}
	s.mu.Lock()
	s.preambles = append(s.preambles, pre)
	s.mu.Unlock()
	if string(pre[:4]) != "hrpc" || pre[4] != 9 || pre[5] != 0 {
		return fmt.Errorf("fake server: bad preamble % x", pre)
	}
	switch pre[6] {
	case 0x00:
		if s.opts.token != nil {
			sc.nc.Write(packet(errHeader(-33, classAccessControl,
				"SIMPLE authentication is not enabled.  Available:[TOKEN]", true)))
			return nil
		}
	case 0xDF:
		if err := sc.saslServer(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("fake server: auth byte %#x", pre[6])
	}

	// Connection context.
	raw, err := sc.nextPacket()
	if err != nil {
		return err
	}
	msgs, err := splitMsgs(raw[4:])
	if err != nil || len(msgs) != 2 {
		return fmt.Errorf("fake server: context packet with %d messages", len(msgs))
	}
	h := &commonpb.RpcRequestHeaderProto{}
	if err := proto.Unmarshal(msgs[0], h); err != nil {
		return err
	}
	if h.GetCallId() != -3 {
		return fmt.Errorf("fake server: first packet has call id %d, want -3", h.GetCallId())
	}
	cc := &commonpb.IpcConnectionContextProto{}
	if err := proto.Unmarshal(msgs[1], cc); err != nil {
		return err
	}
	s.mu.Lock()
	s.contexts = append(s.contexts, cc)
	s.mu.Unlock()
	if s.opts.rejectContext {
		// Like Hadoop, answer after the first call has arrived (the client
		// does not wait for a reply to the context).
		if _, err := sc.nextPacket(); err != nil {
			return err
		}
		sc.send(packet(errHeader(-3, classAccessControl,
			"Authenticated user (x) doesn't match what the client claims to be (y)", true)))
		return nil
	}

	for {
		raw, err := sc.nextPacket()
		if err != nil {
			return err
		}
		msgs, err := splitMsgs(raw[4:])
		if err != nil {
			return err
		}
		h := &commonpb.RpcRequestHeaderProto{}
		if len(msgs) == 0 {
			return errors.New("fake server: empty packet")
		}
		if err := proto.Unmarshal(msgs[0], h); err != nil {
			return err
		}
		if h.GetCallId() == -4 {
			s.pings.Add(1)
			s.mu.Lock()
			s.pingHdrs = append(s.pingHdrs, h)
			s.mu.Unlock()
			continue
		}
		if h.GetCallId() < 0 || len(msgs) != 3 {
			return fmt.Errorf("fake server: bad request packet (call id %d, %d messages)", h.GetCallId(), len(msgs))
		}
		rh := &commonpb.RequestHeaderProto{}
		if err := proto.Unmarshal(msgs[1], rh); err != nil {
			return err
		}
		s.handler(&fakeRequest{Header: h, ReqHeader: rh, Body: msgs[2], Raw: raw, Conn: sc})
	}
}

// saslServer runs the server side of the SASL negotiation.
func (sc *serverConn) saslServer() error {
	s := sc.s
	m, err := sc.readSASLMsg()
	if err != nil {
		return err
	}
	if m.GetState() != commonpb.RpcSaslProto_NEGOTIATE {
		return fmt.Errorf("fake server: first SASL message %v", m.GetState())
	}
	if s.opts.token == nil {
		// Like a SIMPLE-only server.
		return sc.writeSASL(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_SUCCESS.Enum()})
	}
	dig := newDigestServer(s.opts.token, s.opts.qops...)
	if s.opts.negotiateReply != nil {
		// Replay a recorded reply and adopt its challenge.
		msg, err := readSASL(bytes.NewReader(s.opts.negotiateReply), 1<<20)
		if err != nil {
			return err
		}
		f, err := parseDigestFields(msg.GetAuths()[0].GetChallenge())
		if err != nil {
			return err
		}
		dig.nonce, dig.realm = f["nonce"], f["realm"]
		dig.qops = splitComma(f["qop"])
		if _, err := sc.nc.Write(s.opts.negotiateReply); err != nil {
			return err
		}
	} else {
		auth := &commonpb.RpcSaslProto_SaslAuth{
			Method: proto.String("TOKEN"), Mechanism: proto.String("DIGEST-MD5"),
			Protocol: proto.String(""), ServerId: proto.String("default"),
		}
		if !s.opts.noEmbeddedChallenge {
			auth.Challenge = dig.challenge()
		}
		reply := &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum(),
			Auths: []*commonpb.RpcSaslProto_SaslAuth{auth,
				{Method: proto.String("SIMPLE"), Mechanism: proto.String("")}}}
		if err := sc.writeSASL(reply); err != nil {
			return err
		}
	}
	m, err = sc.readSASLMsg()
	if err != nil {
		return err
	}
	if m.GetState() != commonpb.RpcSaslProto_INITIATE || len(m.GetAuths()) != 1 {
		return fmt.Errorf("fake server: expected INITIATE with one auth, got %v", m)
	}
	a := m.GetAuths()[0]
	if a.GetMethod() != "TOKEN" || a.GetMechanism() != "DIGEST-MD5" || a.Challenge != nil || a.GetServerId() != "default" {
		return fmt.Errorf("fake server: bad chosen auth %v", a)
	}
	if s.opts.initiateReply != nil {
		sc.nc.Write(s.opts.initiateReply)
		return nil
	}
	resp := m.GetToken()
	if s.opts.noEmbeddedChallenge {
		if len(resp) != 0 {
			return errors.New("fake server: INITIATE token without a challenge")
		}
		if err := sc.writeSASL(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_CHALLENGE.Enum(),
			Token: dig.challenge()}); err != nil {
			return err
		}
		m, err = sc.readSASLMsg()
		if err != nil {
			return err
		}
		if m.GetState() != commonpb.RpcSaslProto_RESPONSE {
			return fmt.Errorf("fake server: expected RESPONSE, got %v", m.GetState())
		}
		resp = m.GetToken()
	}
	final, err := dig.check(resp)
	if err != nil {
		sc.nc.Write(packet(errHeader(-33, classInvalidToken, "DIGEST-MD5: "+err.Error(), true)))
		return nil
	}
	if s.opts.badRspauth {
		final = []byte("rspauth=0123456789abcdef0123456789abcdef")
	}
	if err := sc.writeSASL(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_SUCCESS.Enum(), Token: final}); err != nil {
		return err
	}
	sc.dig = dig
	sc.qop = dig.qop
	sc.wrp = dig.qop != "auth"
	return nil
}

func splitComma(s string) []string {
	var out []string
	for _, f := range bytes.Split([]byte(s), []byte(",")) {
		if t := string(bytes.TrimSpace(f)); t != "" {
			out = append(out, t)
		}
	}
	return out
}
