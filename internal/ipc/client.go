package ipc

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

// Defaults applied to zero Config fields.
const (
	// DefaultDialTimeout bounds connecting plus the connection handshake
	// (preamble and SASL negotiation).
	DefaultDialTimeout = 20 * time.Second
	// DefaultIdleTimeout is Hadoop's ipc.client.connection.maxidletime.
	DefaultIdleTimeout = 10 * time.Second
	// DefaultPingInterval is Hadoop's ipc.ping.interval.
	DefaultPingInterval = 60 * time.Second
	// DefaultCallTimeout bounds a call whose context has no deadline. It is
	// two ping intervals: long enough for a busy or recovering
	// ResourceManager, short enough that a lost server is noticed.
	DefaultCallTimeout = 2 * time.Minute
	// DefaultMaxResponseSize is the largest response packet accepted.
	DefaultMaxResponseSize = 128 << 20
)

// Token is a Hadoop delegation-style token used for SASL TOKEN
// (DIGEST-MD5) authentication, e.g. an AMRMToken or an NMToken.
type Token struct {
	// Identifier is the raw token identifier; it is never re-encoded.
	Identifier []byte
	// Password is the raw token password.
	Password []byte
	// Kind is the token kind, e.g. "YARN_AM_RM_TOKEN" (informational).
	Kind string
	// Service is the token service, e.g. "host:port" (informational).
	Service string
}

// Config configures a Client. Zero values select the defaults; negative
// IdleTimeout or PingInterval disable idle closing or pinging.
type Config struct {
	// User is the user name sent in the connection context of SIMPLE
	// connections (hadoop.security.authentication=simple). It is not sent on
	// token connections, where the server takes the user from the token.
	// If empty, SIMPLE connections send no user and the server decides who
	// the caller is; callers should set it (e.g. from HADOOP_USER_NAME/USER).
	User string
	// DialTimeout bounds the TCP connect and the handshake (default 20s).
	DialTimeout time.Duration
	// IdleTimeout closes a connection that has had no outstanding call for
	// this long (ipc.client.connection.maxidletime, default 10s).
	IdleTimeout time.Duration
	// PingInterval is how long a connection with outstanding calls may go
	// without receiving anything before a ping is sent (ipc.ping.interval,
	// default 60s).
	PingInterval time.Duration
	// CallTimeout bounds a call whose context has no deadline (default 2m).
	CallTimeout time.Duration
	// Protection restricts the SASL quality of protection accepted on token
	// connections, as in hadoop.rpc.protection: a comma-separated list of
	// "authentication", "integrity" and "privacy". Empty accepts whatever
	// the server offers (the strongest one is chosen).
	Protection string
	// MaxResponseSize is the largest response packet accepted, in bytes
	// (default 128 MiB); a larger one breaks the connection.
	MaxResponseSize int
	// Dialer, if set, replaces the TCP dialer (for tests and proxies). The
	// returned connection is used as is (no keepalive is configured).
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
	// Kerberos, if set, authenticates connections made without a token
	// with Kerberos (SASL KERBEROS/GSSAPI) instead of SIMPLE; the
	// connection context then names the Kerberos principal (or ProxyUser)
	// and User is not used. Protection applies to the negotiated qop as
	// for tokens.
	Kerberos *KerberosAuth
	// ProxyUser, if set, is the user the calls act as on behalf of the
	// authenticated user (Hadoop impersonation, e.g. --proxy-user): the
	// effective user of the connection context, with User as the real
	// user on SIMPLE connections and the Kerberos principal as the real user
	// on Kerberos connections. The server must allow the real user to
	// impersonate it (hadoop.proxyuser.<user>.hosts/groups); otherwise the
	// first call fails with an authorization error. Token connections
	// ignore it: the token names the user.
	ProxyUser string

	// kerberosClock and kerberosRand replace time.Now and crypto/rand in
	// Kerberos authenticators (tests).
	kerberosClock func() time.Time
	kerberosRand  io.Reader
}

// withDefaults returns cfg with zero fields replaced by defaults.
func (cfg Config) withDefaults() Config {
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.PingInterval == 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.MaxResponseSize <= 0 {
		cfg.MaxResponseSize = DefaultMaxResponseSize
	}
	return cfg
}

// protectionQOPs translates Config.Protection into SASL qop names. An empty
// result means "no restriction".
func protectionQOPs(p string) ([]string, error) {
	var qops []string
	for _, f := range strings.Split(p, ",") {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "":
		case "authentication":
			qops = append(qops, "auth")
		case "integrity":
			qops = append(qops, "auth-int")
		case "privacy":
			qops = append(qops, "auth-conf")
		default:
			return nil, fmt.Errorf("ipc: unknown protection %q (want authentication, integrity or privacy)", f)
		}
	}
	return qops, nil
}

// connKey identifies a shareable connection.
type connKey struct {
	addr, protocol, user string
	tokenID              string // raw identifier bytes; "" for SIMPLE
	token                bool
	kerberos             bool // authenticated with Config.Kerberos
}

// Client is a Hadoop IPC v9 client. It keeps one connection per (address,
// protocol, user, token) and multiplexes concurrent calls on it. A Client is
// safe for concurrent use.
type Client struct {
	cfg      Config
	qops     []string
	qopErr   error
	clientID []byte
	callID   atomic.Uint32

	baseCtx context.Context // canceled by Close; parent of handshakes
	cancel  context.CancelFunc
	wg      sync.WaitGroup // connection goroutines

	mu     sync.Mutex
	conns  map[connKey]*conn
	closed bool
}

// NewClient returns a Client for cfg.
func NewClient(cfg Config) *Client {
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg, conns: make(map[connKey]*conn)}
	c.qops, c.qopErr = protectionQOPs(cfg.Protection)
	c.clientID = make([]byte, 16)
	if _, err := rand.Read(c.clientID); err != nil {
		// crypto/rand does not fail on supported platforms; fall back to a
		// time-derived id rather than panicking.
		t := uint64(time.Now().UnixNano())
		for i := range c.clientID {
			c.clientID[i] = byte(t >> (8 * (i % 8)))
		}
	}
	c.baseCtx, c.cancel = context.WithCancel(context.Background())
	return c
}

// nextCallID returns the next call id, wrapping to 0 after 2^31-1.
func (c *Client) nextCallID() int32 {
	return int32(c.callID.Add(1)-1) & 0x7FFFFFFF
}

// Call invokes method of protocol (e.g.
// "org.apache.hadoop.yarn.api.ApplicationClientProtocolPB") at addr
// ("host:port") and decodes the answer into resp.
//
// tok == nil selects SIMPLE authentication as Config.User, or Kerberos
// (SASL GSSAPI) when Config.Kerberos is set; otherwise SASL
// TOKEN/DIGEST-MD5 with tok (no user in the connection context).
// Connections are shared per (addr, protocol, user, token identifier) and
// dialed on demand. If ctx has no deadline, Config.CallTimeout applies.
//
// Server exceptions are returned as *RemoteError or one of the typed errors
// wrapping it; connection failures as *ConnectError; a timeout wraps
// ctx.Err().
func (c *Client) Call(ctx context.Context, addr, protocol, method string, tok *Token, req, resp proto.Message) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.CallTimeout)
		defer cancel()
	}
	err := c.call(ctx, addr, protocol, method, tok, req, resp)
	if err != nil {
		return fmt.Errorf("ipc: %s.%s at %s: %w", shortProtocol(protocol), method, addr, err)
	}
	return nil
}

func (c *Client) call(ctx context.Context, addr, protocol, method string, tok *Token, req, resp proto.Message) error {
	if c.qopErr != nil {
		return c.qopErr
	}
	if tok == nil && c.cfg.Kerberos != nil && c.cfg.Kerberos.Session == nil {
		return errors.New("Config.Kerberos has no Session")
	}
	if resp != nil && !resp.ProtoReflect().IsValid() {
		return errors.New("resp is a nil message pointer")
	}
	key := connKey{addr: addr, protocol: protocol, user: c.cfg.User}
	if tok != nil {
		key.token = true
		key.tokenID = string(tok.Identifier)
	} else if c.cfg.Kerberos != nil {
		key.kerberos = true
	}
	pkt, id, err := c.encodeCall(protocol, method, req)
	if err != nil {
		return err
	}
	// A connection picked from the pool may close for idleness before the
	// call is registered on it; nothing was sent then, so try again.
	for attempt := 0; ; attempt++ {
		cn, err := c.getConn(ctx, key, tok)
		if err != nil {
			return err
		}
		err = cn.call(ctx, id, pkt, resp)
		if errors.Is(err, errIdleClosed) && attempt < 3 {
			continue
		}
		return err
	}
}

// encodeCall builds the request packet for one call with a fresh call id.
func (c *Client) encodeCall(protocol, method string, req proto.Message) ([]byte, int32, error) {
	id := c.nextCallID()
	rh := &commonpb.RequestHeaderProto{
		MethodName:                 proto.String(method),
		DeclaringClassProtocolName: proto.String(protocol),
		ClientProtocolVersion:      proto.Uint64(protocolVersion),
	}
	pkt, err := encodePacket(requestHeader(id, 0, c.clientID), rh, req)
	if err != nil {
		return nil, 0, fmt.Errorf("encode request: %w", err)
	}
	return pkt, id, nil
}

// getConn returns a ready connection for key, dialing one if needed.
// Concurrent callers share one handshake; each waits only as long as its
// own ctx allows.
func (c *Client) getConn(ctx context.Context, key connKey, tok *Token) (*conn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClientClosed
	}
	cn := c.conns[key]
	if cn != nil && cn.isClosed() {
		// Closed but not yet removed from the pool (idle close or failure
		// in progress): replace it.
		delete(c.conns, key)
		cn = nil
	}
	if cn == nil {
		cn = newConn(c, key, tok)
		c.conns[key] = cn
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			cn.establish()
		}()
	}
	c.mu.Unlock()

	select {
	case <-cn.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for connection to %s: %w", key.addr, ctx.Err())
	}
	if cn.setupErr != nil {
		return nil, cn.setupErr
	}
	return cn, nil
}

// forget removes cn from the pool if it is still the pooled connection for
// its key.
func (c *Client) forget(cn *conn) {
	c.mu.Lock()
	if c.conns[cn.key] == cn {
		delete(c.conns, cn.key)
	}
	c.mu.Unlock()
}

// Close closes all connections, failing pending calls with
// ErrClientClosed, and waits for the connection goroutines to exit. Calls
// made after Close fail with ErrClientClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	conns := make([]*conn, 0, len(c.conns))
	for _, cn := range c.conns {
		conns = append(conns, cn)
	}
	c.conns = map[connKey]*conn{}
	c.mu.Unlock()

	c.cancel()
	for _, cn := range conns {
		cn.shutdown(ErrClientClosed)
	}
	c.wg.Wait()
	return nil
}

// shortProtocol strips the Java package from a protocol name for messages.
func shortProtocol(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i+1:]
	}
	return p
}
