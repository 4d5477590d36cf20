package ipc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

// drainAfterWriteError is how long the reader may keep reading after a
// write failed, so that a FATAL reply the server sent before closing (e.g.
// an authorization failure) is reported instead of the bare write error.
const drainAfterWriteError = 2 * time.Second

// tcpKeepAlive is the keepalive period of dialed TCP connections.
const tcpKeepAlive = 30 * time.Second

// result is what the reader hands to a waiting caller.
type result struct {
	body []byte // response bytes after the header (SUCCESS only)
	err  error
}

// pendingCall is the slot of one outstanding call.
type pendingCall struct {
	ch chan result // buffered (1): the reader never blocks on it
}

// conn is one IPC connection: handshake, a reader goroutine dispatching
// responses by call id, and a monitor goroutine for pings and idle closing.
type conn struct {
	c    *Client
	key  connKey
	addr string
	tok  *Token

	ready    chan struct{} // closed when the handshake finished
	setupErr error         // handshake result, set before ready is closed

	// Set by the handshake before ready is closed, read-only afterwards.
	r     io.Reader     // packet source for the reader goroutine
	layer securityLayer // SASL security layer, nil unless qop != auth
	qop   string        // negotiated qop; "" for SIMPLE

	wmu sync.Mutex // serializes writes (and security-layer Wrap calls)

	mu        sync.Mutex
	nc        net.Conn
	calls     map[int32]*pendingCall
	closed    bool
	err       error // why the connection closed
	writeErr  error // first write failure
	idleSince time.Time
	busySince time.Time
	lastPing  time.Time

	lastRead atomic.Int64  // unix nanoseconds of the last packet read
	kick     chan struct{} // wakes the monitor when the call count changes
	done     chan struct{} // closed when the connection is closed
}

func newConn(c *Client, key connKey, tok *Token) *conn {
	return &conn{
		c:     c,
		key:   key,
		addr:  key.addr,
		tok:   tok,
		ready: make(chan struct{}),
		calls: make(map[int32]*pendingCall),
		kick:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
}

// establish performs the handshake and starts the connection goroutines.
// It runs in its own goroutine, bounded by DialTimeout and Client.Close,
// so that a caller giving up does not abort a handshake others wait for.
func (cn *conn) establish() {
	ctx, cancel := context.WithTimeout(cn.c.baseCtx, cn.c.cfg.DialTimeout)
	defer cancel()
	err := cn.handshake(ctx)

	cn.mu.Lock()
	if cn.closed {
		if err == nil {
			err = cn.err
		}
	} else if err == nil {
		now := time.Now()
		cn.idleSince = now
		cn.lastRead.Store(now.UnixNano())
		cn.c.wg.Add(2)
		go func() {
			defer cn.c.wg.Done()
			cn.readLoop()
		}()
		go func() {
			defer cn.c.wg.Done()
			cn.monitor()
		}()
	}
	cn.mu.Unlock()
	if err != nil {
		cn.setupErr = err
		cn.shutdown(err)
	}
	close(cn.ready)
}

// dial opens the TCP connection.
func (cn *conn) dial(ctx context.Context) (net.Conn, error) {
	if d := cn.c.cfg.Dialer; d != nil {
		return d(ctx, "tcp", cn.addr)
	}
	d := net.Dialer{KeepAlive: tcpKeepAlive}
	return d.DialContext(ctx, "tcp", cn.addr)
}

// handshake dials, writes the preamble, authenticates and sends the
// connection context.
func (cn *conn) handshake(ctx context.Context) error {
	nc, err := cn.dial(ctx)
	if err != nil {
		if ctx.Err() != nil && cn.c.baseCtx.Err() != nil {
			return ErrClientClosed
		}
		return &ConnectError{Addr: cn.addr, Op: "dial", Err: err}
	}
	cn.mu.Lock()
	if cn.closed {
		cn.mu.Unlock()
		nc.Close()
		return cn.err
	}
	cn.nc = nc
	cn.mu.Unlock()

	// Every handshake read and write is bounded by ctx.
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Now()) })
	defer stop()

	br := bufio.NewReader(nc)
	cn.r = br
	effective, real, err := cn.authenticate(ctx, nc, br)
	if err != nil {
		return cn.handshakeErr(ctx, err)
	}

	ctxMsg := &commonpb.IpcConnectionContextProto{
		UserInfo: &commonpb.UserInformationProto{},
		Protocol: proto.String(cn.key.protocol),
	}
	if effective != "" {
		ctxMsg.UserInfo.EffectiveUser = proto.String(effective)
	}
	if real != "" {
		ctxMsg.UserInfo.RealUser = proto.String(real)
	}
	pkt, err := encodePacket(requestHeader(callIDContext, -1, cn.c.clientID), ctxMsg)
	if err != nil {
		return fmt.Errorf("encode connection context: %w", err)
	}
	if _, err := cn.writeRaw(nc, pkt); err != nil {
		return cn.handshakeErr(ctx, err)
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		return cn.handshakeErr(ctx, err)
	}
	if !stop() {
		// ctx expired just now and may have set a deadline; report it.
		return cn.handshakeErr(ctx, ctx.Err())
	}
	return nil
}

// authenticate writes the preamble and, for token and Kerberos
// connections, runs the SASL negotiation. It returns the effective and real
// user to put in the connection context.
func (cn *conn) authenticate(ctx context.Context, nc net.Conn, br *bufio.Reader) (effective, real string, err error) {
	effective = cn.c.cfg.User
	if cn.c.cfg.ProxyUser != "" {
		effective, real = cn.c.cfg.ProxyUser, cn.c.cfg.User
	}
	if cn.tok == nil && !cn.key.kerberos {
		_, err := nc.Write(preamble(authNone))
		return effective, real, err
	}
	res, err := cn.negotiateSASL(ctx, nc, br)
	if err != nil {
		if cn.key.kerberos {
			err = cn.kerberosError(err)
		}
		return "", "", err
	}
	switch res.method {
	case methodToken:
		effective, real = "", "" // the server takes the user from the token
	case methodKerberos:
		// The authenticated principal is the real user.
		effective, real = cn.c.cfg.Kerberos.Session.Principal(), ""
		if cn.c.cfg.ProxyUser != "" {
			effective = cn.c.cfg.ProxyUser
		}
	}
	cn.qop = res.qop
	if res.layer != nil {
		cn.layer = res.layer
		cn.r = &unwrapReader{src: br, layer: res.layer, max: cn.c.cfg.MaxResponseSize + wrapOverhead}
	}
	return effective, real, nil
}

// handshakeErr classifies an error from the handshake: remote exceptions
// and protocol errors pass through, I/O failures become *ConnectError.
func (cn *conn) handshakeErr(ctx context.Context, err error) error {
	if cn.c.baseCtx.Err() != nil {
		return ErrClientClosed
	}
	var re *RemoteError
	var ke *krb.Error
	if errors.As(err, &ke) {
		return fmt.Errorf("connection setup with %s: %w", cn.addr, err)
	}
	if errors.As(err, &re) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, context.DeadlineExceeded) {
		if ctx.Err() != nil && ne != nil && ne.Timeout() {
			err = fmt.Errorf("handshake timed out: %w", err)
		}
		return &ConnectError{Addr: cn.addr, Op: "handshake", Err: err}
	}
	return fmt.Errorf("connection setup with %s: %w", cn.addr, err)
}

// writeRaw writes one packet, through the security layer if there is one,
// and returns the number of bytes put on the wire. Callers serialize writes
// (wmu, or the handshake's exclusive use).
func (cn *conn) writeRaw(w io.Writer, pkt []byte) (int, error) {
	if cn.layer != nil {
		// Like Hadoop's client, split the stream into pieces that fit the
		// server's buffer; the server reassembles the packets.
		limit := cn.layer.MaxWrapSize()
		var out []byte
		for len(pkt) > 0 {
			n := len(pkt)
			if limit > 0 && n > limit {
				n = limit
			}
			tok, err := cn.layer.Wrap(pkt[:n])
			if err != nil {
				return 0, fmt.Errorf("sasl wrap: %w", err)
			}
			p, err := encodePacket(requestHeader(callIDSASL, -1, nil),
				&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_WRAP.Enum(), Token: tok})
			if err != nil {
				return 0, fmt.Errorf("encode wrapped packet: %w", err)
			}
			out = append(out, p...)
			pkt = pkt[n:]
		}
		pkt = out
	}
	return w.Write(pkt)
}

// errNotSent marks a write that timed out before any byte of the packet
// reached the socket: the stream is intact and the connection stays usable.
var errNotSent = errors.New("request not sent before the deadline")

// write sends one packet on the established connection. A failure breaks
// the connection (unless nothing was written, see errNotSent): the reader is
// given a moment to pick up a reply the server may have sent before
// closing, then pending calls fail.
func (cn *conn) write(deadline time.Time, pkt []byte) error {
	cn.wmu.Lock()
	defer cn.wmu.Unlock()
	cn.mu.Lock()
	if cn.closed {
		err := cn.err
		cn.mu.Unlock()
		return err
	}
	nc := cn.nc
	cn.mu.Unlock()

	_ = nc.SetWriteDeadline(deadline)
	n, err := cn.writeRaw(nc, pkt)
	if err == nil {
		return nil
	}
	var ne net.Error
	if n == 0 && cn.layer == nil && errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w: %v", errNotSent, err)
	}
	cn.mu.Lock()
	if cn.writeErr == nil {
		cn.writeErr = err
	}
	cn.mu.Unlock()
	_ = nc.SetReadDeadline(time.Now().Add(drainAfterWriteError))
	return &ConnectError{Addr: cn.addr, Op: "write", Err: err}
}

// call sends a prepared request packet and waits for its response.
func (cn *conn) call(ctx context.Context, id int32, pkt []byte, resp proto.Message) error {
	pc := &pendingCall{ch: make(chan result, 1)}
	cn.mu.Lock()
	if cn.closed {
		err := cn.err
		cn.mu.Unlock()
		return err
	}
	if len(cn.calls) == 0 {
		cn.busySince = time.Now()
		cn.wake()
	}
	cn.calls[id] = pc
	cn.mu.Unlock()

	deadline, _ := ctx.Deadline()
	if err := cn.write(deadline, pkt); errors.Is(err, errNotSent) {
		cn.drop(id)
		if ctx.Err() != nil {
			return fmt.Errorf("sending call %d: %w", id, ctx.Err())
		}
		return err
	} else if err != nil {
		// The slot stays registered: the connection is failing, and the
		// reader or shutdown delivers the final error to it.
		select {
		case r := <-pc.ch:
			if r.err == nil {
				return decodeBody(r.body, resp)
			}
			return r.err
		case <-ctx.Done():
			cn.drop(id)
			return fmt.Errorf("sending call %d: %w (after %v)", id, ctx.Err(), err)
		}
	}
	select {
	case r := <-pc.ch:
		if r.err != nil {
			return r.err
		}
		return decodeBody(r.body, resp)
	case <-ctx.Done():
		cn.drop(id)
		return fmt.Errorf("waiting for response to call %d: %w", id, ctx.Err())
	}
}

// isClosed reports whether the connection has been closed.
func (cn *conn) isClosed() bool {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.closed
}

// wake nudges the monitor; the caller holds mu.
func (cn *conn) wake() {
	select {
	case cn.kick <- struct{}{}:
	default:
	}
}

// take removes and returns the slot of call id; nil if there is none.
func (cn *conn) take(id int32) *pendingCall {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	pc := cn.calls[id]
	if pc != nil {
		delete(cn.calls, id)
		if len(cn.calls) == 0 {
			cn.idleSince = time.Now()
			cn.wake()
		}
	}
	return pc
}

// drop abandons the slot of call id; a late response is discarded.
func (cn *conn) drop(id int32) { cn.take(id) }

// readLoop reads responses and hands them to the waiting callers.
func (cn *conn) readLoop() {
	max := cn.c.cfg.MaxResponseSize
	for {
		body, err := readPacket(cn.r, max)
		if err != nil {
			cn.readFailed(err)
			return
		}
		cn.lastRead.Store(time.Now().UnixNano())
		h, rest, err := decodeResponseHeader(body)
		if err != nil {
			cn.shutdown(&ConnectError{Addr: cn.addr, Op: "read", Err: err})
			return
		}
		id := int32(h.GetCallId())
		status := h.GetStatus()
		if status == commonpb.RpcResponseHeaderProto_FATAL || (id < 0 && status != commonpb.RpcResponseHeaderProto_SUCCESS) {
			// FATAL, or an error about the connection context / SASL:
			// the server closes the connection.
			cn.shutdown(remoteErrorFromHeader(h))
			return
		}
		if id < 0 {
			continue // out-of-band packet without meaning for us
		}
		pc := cn.take(id)
		if pc == nil {
			continue // the caller gave up; discard the late response
		}
		if status == commonpb.RpcResponseHeaderProto_SUCCESS {
			pc.ch <- result{body: rest}
		} else {
			pc.ch <- result{err: remoteErrorFromHeader(h)}
		}
	}
}

// readFailed closes the connection after a read error.
func (cn *conn) readFailed(err error) {
	var re *RemoteError
	if errors.As(err, &re) {
		cn.shutdown(err) // an unwrapped FATAL reply on a wrapped connection
		return
	}
	cn.mu.Lock()
	werr := cn.writeErr
	cn.mu.Unlock()
	if werr != nil {
		cn.shutdown(&ConnectError{Addr: cn.addr, Op: "write", Err: werr})
		return
	}
	if errors.Is(err, io.EOF) {
		err = fmt.Errorf("server closed the connection: %w", err)
	}
	cn.shutdown(&ConnectError{Addr: cn.addr, Op: "read", Err: err})
}

// shutdown closes the connection (once), removes it from the pool and fails
// every pending call with err.
func (cn *conn) shutdown(err error) { cn.closeIf(err, nil) }

// closeIf is shutdown conditioned on cond, evaluated under mu. It reports
// whether this call closed the connection.
func (cn *conn) closeIf(err error, cond func() bool) bool {
	cn.mu.Lock()
	if cn.closed || (cond != nil && !cond()) {
		cn.mu.Unlock()
		return false
	}
	cn.closed = true
	cn.err = err
	calls := cn.calls
	cn.calls = nil
	nc := cn.nc
	cn.mu.Unlock()

	cn.c.forget(cn)
	if nc != nil {
		_ = nc.Close()
	}
	close(cn.done)
	for _, pc := range calls {
		pc.ch <- result{err: err}
	}
	return true
}

// monitor sends pings while calls are outstanding and the server is
// silent, and closes the connection when it has been idle too long.
func (cn *conn) monitor() {
	idle := cn.c.cfg.IdleTimeout
	ping := cn.c.cfg.PingInterval
	pingPkt, err := encodePacket(requestHeader(callIDPing, -1, cn.c.clientID))
	if err != nil {
		ping = -1 // cannot happen: the header is complete
	}
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		now := time.Now()
		wait := time.Hour
		doPing := false
		cn.mu.Lock()
		if cn.closed {
			cn.mu.Unlock()
			return
		}
		if len(cn.calls) == 0 {
			if idle > 0 {
				due := cn.idleSince.Add(idle)
				if !now.Before(due) {
					cn.mu.Unlock()
					closed := cn.closeIf(errIdleClosed, func() bool {
						return len(cn.calls) == 0 && time.Since(cn.idleSince) >= idle
					})
					if closed {
						return
					}
					continue
				}
				wait = due.Sub(now)
			}
		} else if ping > 0 {
			last := time.Unix(0, cn.lastRead.Load())
			if cn.busySince.After(last) {
				last = cn.busySince
			}
			if cn.lastPing.After(last) {
				last = cn.lastPing
			}
			due := last.Add(ping)
			if !now.Before(due) {
				doPing = true
				cn.lastPing = now
				wait = ping
			} else {
				wait = due.Sub(now)
			}
		}
		cn.mu.Unlock()
		if doPing {
			// A failed ping breaks the connection through write().
			_ = cn.write(now.Add(cn.c.cfg.DialTimeout), pingPkt)
		}
		t.Reset(wait)
		select {
		case <-cn.done:
			return
		case <-cn.kick:
		case <-t.C:
		}
	}
}

// wrapOverhead is the extra room allowed for the SASL framing around a
// wrapped packet of the maximum response size.
const wrapOverhead = 4096

// unwrapReader turns a stream of SASL WRAP packets into the byte stream of
// the ordinary packets inside them.
type unwrapReader struct {
	src   io.Reader
	layer securityLayer
	max   int
	buf   []byte
}

// Read returns unwrapped bytes, reading and unwrapping the next WRAP packet
// when the buffer is empty.
func (u *unwrapReader) Read(p []byte) (int, error) {
	for len(u.buf) == 0 {
		body, err := readPacket(u.src, u.max)
		if err != nil {
			return 0, err
		}
		h, rest, err := decodeResponseHeader(body)
		if err != nil {
			return 0, err
		}
		if h.GetStatus() != commonpb.RpcResponseHeaderProto_SUCCESS {
			return 0, remoteErrorFromHeader(h)
		}
		if id := int32(h.GetCallId()); id != callIDSASL {
			return 0, fmt.Errorf("server sent a non-wrapped response (call id %d) on a SASL-wrapped connection", id)
		}
		mb, _, err := nextDelimited(rest)
		if err != nil {
			return 0, fmt.Errorf("decode wrapped packet: %w", err)
		}
		m := &commonpb.RpcSaslProto{}
		if err := proto.Unmarshal(mb, m); err != nil {
			return 0, fmt.Errorf("decode wrapped packet: %w", err)
		}
		if m.GetState() != commonpb.RpcSaslProto_WRAP {
			return 0, fmt.Errorf("expected a SASL WRAP packet, got %v", m.GetState())
		}
		plain, err := u.layer.Unwrap(m.GetToken())
		if err != nil {
			return 0, fmt.Errorf("sasl unwrap: %w", err)
		}
		u.buf = plain
	}
	n := copy(p, u.buf)
	u.buf = u.buf[n:]
	return n, nil
}
