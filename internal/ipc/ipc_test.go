package ipc

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

const testProtocol = "org.example.TestProtocolPB"

// echoHandler answers every call with "echo:" + the request string, except
// methods handled by the extra function (which returns true if it did).
func echoHandler(t *testing.T, extra func(req *fakeRequest) bool) func(req *fakeRequest) {
	return func(req *fakeRequest) {
		if extra != nil && extra(req) {
			return
		}
		in := &wrapperspb.StringValue{}
		if err := proto.Unmarshal(req.Body, in); err != nil {
			t.Errorf("server: decode request: %v", err)
			return
		}
		req.Conn.reply(req.Header.GetCallId(), wrapperspb.String("echo:"+in.GetValue()))
	}
}

func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	if cfg.User == "" {
		cfg.User = "alice"
	}
	c := NewClient(cfg)
	t.Cleanup(func() { c.Close() })
	return c
}

func echo(ctx context.Context, c *Client, addr string, tok *Token, method, in string) (string, error) {
	resp := &wrapperspb.StringValue{}
	err := c.Call(ctx, addr, testProtocol, method, tok, wrapperspb.String(in), resp)
	return resp.GetValue(), err
}

func mustEcho(t *testing.T, c *Client, addr string, tok *Token, in string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := echo(ctx, c, addr, tok, "echo", in)
	if err != nil {
		t.Fatalf("echo(%q): %v", in, err)
	}
	if got != "echo:"+in {
		t.Fatalf("echo(%q) = %q", in, got)
	}
}

func checkServer(t *testing.T, s *fakeServer) {
	t.Helper()
	for _, err := range s.serverErrors() {
		t.Errorf("fake server: %v", err)
	}
}

func TestRequestPacketBytes(t *testing.T) {
	c := NewClient(Config{})
	defer c.Close()
	for i := range c.clientID {
		c.clientID[i] = byte(i)
	}
	c.callID.Store(5)
	pkt, id, err := c.encodeCall("p.P", "m", &wrapperspb.StringValue{})
	if err != nil {
		t.Fatal(err)
	}
	if id != 5 {
		t.Fatalf("call id = %d, want 5", id)
	}
	want := "00000027" + // length 39
		"1a" + "0802" + "1000" + "180a" + "2210" + "000102030405060708090a0b0c0d0e0f" + "2800" + // RpcRequestHeaderProto, callId zig-zag 10
		"0a" + "0a016d" + "1203702e50" + "1801" + // RequestHeaderProto{m, p.P, 1}
		"00" // empty request message
	if got := hex.EncodeToString(pkt); got != want {
		t.Errorf("request packet\n got %s\nwant %s", got, want)
	}

	// SASL header: callId -33 (zig-zag 65), empty clientId, retryCount -1.
	sasl, err := encodeSASL(&commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum()})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(sasl), "0000000e"+"0a"+"0802100018412200"+"2801"+"02"+"1001"; got != want {
		t.Errorf("SASL NEGOTIATE packet\n got %s\nwant %s", got, want)
	}
	// Ping: callId -4 (zig-zag 7), retryCount -1.
	ping, err := encodePacket(requestHeader(callIDPing, -1, c.clientID))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(ping), "0000001b"+"1a"+"08021000180722100001020304050607"+"08090a0b0c0d0e0f2801"; got != want {
		t.Errorf("ping packet\n got %s\nwant %s", got, want)
	}
	if got := hex.EncodeToString(preamble(authNone)) + " " + hex.EncodeToString(preamble(authSASL)); got != "68727063090000 687270630900df" {
		t.Errorf("preambles = %s", got)
	}
}

func TestCallIDWraps(t *testing.T) {
	c := NewClient(Config{})
	defer c.Close()
	c.callID.Store(0x7FFFFFFF)
	if a, b := c.nextCallID(), c.nextCallID(); a != 0x7FFFFFFF || b != 0 {
		t.Errorf("ids = %d, %d; want 2147483647, 0", a, b)
	}
	c.callID.Store(0xFFFFFFFF)
	if a, b := c.nextCallID(), c.nextCallID(); a != 0x7FFFFFFF || b != 0 {
		t.Errorf("ids after uint32 wrap = %d, %d", a, b)
	}
}

func TestSimpleHandshakeAndContext(t *testing.T) {
	var got *fakeRequest
	var mu sync.Mutex
	s := newFakeServer(t, serverOptions{}, echoHandler(t, func(r *fakeRequest) bool {
		mu.Lock()
		got = r
		mu.Unlock()
		return false
	}))
	c := newTestClient(t, Config{User: "bob"})
	mustEcho(t, c, s.addr, nil, "x")
	checkServer(t, s)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.preambles) != 1 || !bytes.Equal(s.preambles[0], []byte("hrpc\x09\x00\x00")) {
		t.Errorf("preambles = %q", s.preambles)
	}
	cc := s.contexts[0]
	if cc.GetProtocol() != testProtocol || cc.GetUserInfo().GetEffectiveUser() != "bob" || cc.GetUserInfo().RealUser != nil {
		t.Errorf("context = %v", cc)
	}
	mu.Lock()
	defer mu.Unlock()
	h, rh := got.Header, got.ReqHeader
	if h.GetRpcKind() != commonpb.RpcKindProto_RPC_PROTOCOL_BUFFER || h.GetRpcOp() != commonpb.RpcRequestHeaderProto_RPC_FINAL_PACKET ||
		h.RetryCount == nil || h.GetRetryCount() != 0 || !bytes.Equal(h.GetClientId(), c.clientID) || len(c.clientID) != 16 {
		t.Errorf("request header = %v", h)
	}
	if rh.GetMethodName() != "echo" || rh.GetDeclaringClassProtocolName() != testProtocol || rh.GetClientProtocolVersion() != 1 {
		t.Errorf("request header = %v", rh)
	}
}

func TestConcurrentCallsShuffledReplies(t *testing.T) {
	const n = 100
	var mu sync.Mutex
	var pending []*fakeRequest
	s := newFakeServer(t, serverOptions{}, func(r *fakeRequest) {
		mu.Lock()
		pending = append(pending, r)
		if len(pending) < n {
			mu.Unlock()
			return
		}
		batch := pending
		pending = nil
		mu.Unlock()
		rand.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		for _, r := range batch {
			in := &wrapperspb.StringValue{}
			proto.Unmarshal(r.Body, in)
			r.Conn.reply(r.Header.GetCallId(), wrapperspb.String("echo:"+in.GetValue()))
		}
	})
	c := newTestClient(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			in := fmt.Sprintf("req-%d", i)
			got, err := echo(ctx, c, s.addr, nil, "echo", in)
			if err == nil && got != "echo:"+in {
				err = fmt.Errorf("call %d got %q", i, got)
			}
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if a := s.accepted.Load(); a != 1 {
		t.Errorf("server accepted %d connections, want 1", a)
	}
	checkServer(t, s)
}

func TestCallTimeoutKeepsConnection(t *testing.T) {
	slow := make(chan *fakeRequest, 1)
	s := newFakeServer(t, serverOptions{}, echoHandler(t, func(r *fakeRequest) bool {
		if r.ReqHeader.GetMethodName() == "never" {
			slow <- r
			return true
		}
		return false
	}))
	c := newTestClient(t, Config{})
	mustEcho(t, c, s.addr, nil, "warm-up")

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := echo(ctx, c, s.addr, nil, "never", "x")
	el := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if el > 500*time.Millisecond {
		t.Errorf("timed-out call returned after %v", el)
	}
	if !strings.Contains(err.Error(), s.addr) {
		t.Errorf("error %q does not name the address", err)
	}
	// The late response is discarded and the connection keeps working.
	r := <-slow
	r.Conn.reply(r.Header.GetCallId(), wrapperspb.String("late"))
	mustEcho(t, c, s.addr, nil, "after")
	if a := s.accepted.Load(); a != 1 {
		t.Errorf("server accepted %d connections, want 1", a)
	}
	checkServer(t, s)
}

func TestDefaultCallTimeout(t *testing.T) {
	s := newFakeServer(t, serverOptions{}, func(*fakeRequest) {})
	c := newTestClient(t, Config{CallTimeout: 100 * time.Millisecond})
	start := time.Now()
	_, err := echo(context.Background(), c, s.addr, nil, "echo", "x")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("returned after %v", el)
	}
}

func TestDialRefused(t *testing.T) {
	c := newTestClient(t, Config{DialTimeout: 2 * time.Second})
	start := time.Now()
	_, err := echo(context.Background(), c, "127.0.0.1:1", nil, "echo", "x")
	if err == nil {
		t.Fatal("call to 127.0.0.1:1 succeeded")
	}
	var ce *ConnectError
	if !errors.As(err, &ce) || ce.Addr != "127.0.0.1:1" || ce.Op != "dial" || !IsConnectError(err) {
		t.Fatalf("err = %v (%T), want a dial ConnectError", err, err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error %q does not name the address", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("returned after %v", el)
	}
	// The failed connection is not cached: the pool is empty.
	c.mu.Lock()
	n := len(c.conns)
	c.mu.Unlock()
	if n != 0 {
		t.Errorf("%d pooled connections after a failed dial", n)
	}
}

func TestBlackHoleServer(t *testing.T) {
	s := newFakeServer(t, serverOptions{silent: true}, nil)

	t.Run("simple call times out", func(t *testing.T) {
		c := newTestClient(t, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := echo(ctx, c, s.addr, nil, "echo", "x")
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), s.addr) {
			t.Fatalf("err = %v", err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("returned after %v", el)
		}
	})
	t.Run("sasl handshake bounded by DialTimeout", func(t *testing.T) {
		c := newTestClient(t, Config{DialTimeout: 200 * time.Millisecond})
		start := time.Now()
		_, err := echo(context.Background(), c, s.addr, &Token{Identifier: []byte("id"), Password: []byte("pw")}, "echo", "x")
		var ce *ConnectError
		if !errors.As(err, &ce) || ce.Op != "handshake" || !strings.Contains(err.Error(), s.addr) {
			t.Fatalf("err = %v (%T), want a handshake ConnectError naming %s", err, err, s.addr)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("returned after %v", el)
		}
	})
	t.Run("sasl handshake bounded by ctx", func(t *testing.T) {
		c := newTestClient(t, Config{DialTimeout: 10 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := echo(ctx, c, s.addr, &Token{Identifier: []byte("id"), Password: []byte("pw")}, "echo", "x")
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), s.addr) {
			t.Fatalf("err = %v", err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("returned after %v", el)
		}
	})
}

func TestNonRoutableAddress(t *testing.T) {
	// 10.255.255.1 is normally unreachable: the SYN goes nowhere, or the
	// network is unreachable outright. Either way the error must come
	// within the dial timeout and name the address.
	c := newTestClient(t, Config{DialTimeout: 300 * time.Millisecond})
	start := time.Now()
	_, err := echo(context.Background(), c, "10.255.255.1:8032", nil, "echo", "x")
	if err == nil {
		t.Skip("10.255.255.1:8032 is reachable here")
	}
	if !IsConnectError(err) || !strings.Contains(err.Error(), "10.255.255.1:8032") {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("returned after %v", el)
	}
}

func TestRemoteErrorsTyped(t *testing.T) {
	cases := []struct {
		class string
		check func(error) bool
	}{
		{classStandby, func(e error) bool { var x *StandbyError; return errors.As(e, &x) }},
		{classRetriable, func(e error) bool { var x *RetriableError; return errors.As(e, &x) }},
		{classAccessControl, func(e error) bool { var x *AccessControlError; return errors.As(e, &x) }},
		{classInvalidToken, func(e error) bool { var x *InvalidTokenError; return errors.As(e, &x) }},
		{classYarn, func(e error) bool { var x *YarnError; return errors.As(e, &x) }},
		{classApplicationNotFound, func(e error) bool { var x *ApplicationNotFoundError; return errors.As(e, &x) }},
		{classAttemptNotFound, func(e error) bool { var x *ApplicationAttemptNotFoundError; return errors.As(e, &x) }},
		{classAMNotRegistered, func(e error) bool { var x *ApplicationMasterNotRegisteredError; return errors.As(e, &x) }},
		{classInvalidAMRequest, func(e error) bool { var x *InvalidApplicationMasterRequestError; return errors.As(e, &x) }},
		{classInvalidResourceRequest, func(e error) bool { var x *InvalidResourceRequestError; return errors.As(e, &x) }},
		{classInvalidBlacklistRequest, func(e error) bool { var x *InvalidResourceBlacklistRequestError; return errors.As(e, &x) }},
		{"java.io.IOException", func(e error) bool { var x *YarnError; return !errors.As(e, &x) }},
	}
	s := newFakeServer(t, serverOptions{}, echoHandler(t, func(r *fakeRequest) bool {
		if r.ReqHeader.GetMethodName() != "fail" {
			return false
		}
		in := &wrapperspb.StringValue{}
		proto.Unmarshal(r.Body, in)
		r.Conn.replyError(r.Header.GetCallId(), in.GetValue(), "first line\n\tat org.Foo.bar(Foo.java:1)\n", false)
		return true
	}))
	c := newTestClient(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, tc := range cases {
		_, err := echo(ctx, c, s.addr, nil, "fail", tc.class)
		var re *RemoteError
		if !errors.As(err, &re) {
			t.Errorf("%s: err = %v (%T), want *RemoteError", tc.class, err, err)
			continue
		}
		if re.ClassName != tc.class || re.Fatal || re.Detail != commonpb.RpcResponseHeaderProto_ERROR_APPLICATION {
			t.Errorf("%s: remote error = %+v", tc.class, re)
		}
		if !tc.check(err) {
			t.Errorf("%s: typed check failed for %v (%T)", tc.class, err, err)
		}
		short := tc.class[strings.LastIndexByte(tc.class, '.')+1:]
		if msg := re.Error(); msg != "remote "+short+": first line" {
			t.Errorf("%s: Error() = %q", tc.class, msg)
		}
		if IsConnectError(err) {
			t.Errorf("%s: remote error classified as connect error", tc.class)
		}
	}
	// An ERROR fails only that call; the connection stays.
	mustEcho(t, c, s.addr, nil, "still-here")
	if a := s.accepted.Load(); a != 1 {
		t.Errorf("accepted %d connections, want 1", a)
	}
}

func TestFatalClosesAndRedials(t *testing.T) {
	hold := make(chan *fakeRequest, 10)
	s := newFakeServer(t, serverOptions{}, echoHandler(t, func(r *fakeRequest) bool {
		switch r.ReqHeader.GetMethodName() {
		case "hold":
			hold <- r
			return true
		case "fatal":
			// Let the held call be registered first.
			time.Sleep(50 * time.Millisecond)
			r.Conn.replyError(r.Header.GetCallId(), "org.apache.hadoop.ipc.RpcServerException", "boom", true)
			return true
		}
		return false
	}))
	c := newTestClient(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	heldErr := make(chan error, 1)
	go func() {
		_, err := echo(ctx, c, s.addr, nil, "hold", "x")
		heldErr <- err
	}()
	<-hold
	_, err := echo(ctx, c, s.addr, nil, "fatal", "x")
	var re *RemoteError
	if !errors.As(err, &re) || !re.Fatal || re.Message != "boom" {
		t.Fatalf("fatal call: err = %v", err)
	}
	// The other pending call fails with the same connection-level error.
	select {
	case err := <-heldErr:
		if !errors.As(err, &re) || !re.Fatal {
			t.Errorf("held call: err = %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("held call not failed after FATAL")
	}
	mustEcho(t, c, s.addr, nil, "again")
	if a := s.accepted.Load(); a != 2 {
		t.Errorf("accepted %d connections, want 2 (redial after FATAL)", a)
	}
}

func TestServerCloseFailsPendingCalls(t *testing.T) {
	s := newFakeServer(t, serverOptions{}, echoHandler(t, func(r *fakeRequest) bool {
		if r.ReqHeader.GetMethodName() == "hangup" {
			r.Conn.nc.Close()
			return true
		}
		return false
	}))
	c := newTestClient(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := echo(ctx, c, s.addr, nil, "hangup", "x")
	var ce *ConnectError
	if !errors.As(err, &ce) || ce.Op != "read" || ce.Addr != s.addr {
		t.Fatalf("err = %v (%T), want a read ConnectError for %s", err, err, s.addr)
	}
	mustEcho(t, c, s.addr, nil, "again")
	if a := s.accepted.Load(); a != 2 {
		t.Errorf("accepted %d connections, want 2", a)
	}
}

func TestIdleCloseAndRedial(t *testing.T) {
	s := newFakeServer(t, serverOptions{}, echoHandler(t, nil))
	c := newTestClient(t, Config{IdleTimeout: 100 * time.Millisecond})
	mustEcho(t, c, s.addr, nil, "one")
	select {
	case <-s.closedCh:
	case <-time.After(2 * time.Second):
		t.Fatal("idle connection not closed")
	}
	c.mu.Lock()
	n := len(c.conns)
	c.mu.Unlock()
	if n != 0 {
		t.Errorf("%d pooled connections after idle close", n)
	}
	mustEcho(t, c, s.addr, nil, "two")
	if a := s.accepted.Load(); a != 2 {
		t.Errorf("accepted %d connections, want 2", a)
	}
	checkServer(t, s)
}

func TestIdleTimerNotDuringCalls(t *testing.T) {
	s := newFakeServer(t, serverOptions{}, echoHandler(t, func(r *fakeRequest) bool {
		if r.ReqHeader.GetMethodName() == "slow" {
			go func() {
				time.Sleep(300 * time.Millisecond)
				r.Conn.reply(r.Header.GetCallId(), wrapperspb.String("slow"))
			}()
			return true
		}
		return false
	}))
	c := newTestClient(t, Config{IdleTimeout: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if got, err := echo(ctx, c, s.addr, nil, "slow", "x"); err != nil || got != "slow" {
		t.Fatalf("slow call: %q, %v", got, err)
	}
	if a := s.accepted.Load(); a != 1 {
		t.Errorf("accepted %d connections, want 1", a)
	}
}

func TestPingWhileCallIsSlow(t *testing.T) {
	s := newFakeServer(t, serverOptions{}, echoHandler(t, func(r *fakeRequest) bool {
		if r.ReqHeader.GetMethodName() == "slow" {
			go func() {
				time.Sleep(450 * time.Millisecond)
				r.Conn.reply(r.Header.GetCallId(), wrapperspb.String("done"))
			}()
			return true
		}
		return false
	}))
	c := newTestClient(t, Config{PingInterval: 100 * time.Millisecond, IdleTimeout: time.Minute})
	mustEcho(t, c, s.addr, nil, "fast")
	time.Sleep(250 * time.Millisecond) // idle: no pings without outstanding calls
	if p := s.pings.Load(); p != 0 {
		t.Errorf("%d pings while idle", p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if got, err := echo(ctx, c, s.addr, nil, "slow", "x"); err != nil || got != "done" {
		t.Fatalf("slow call: %q, %v", got, err)
	}
	p := s.pings.Load()
	if p < 2 || p > 6 {
		t.Errorf("%d pings during a 450ms call with a 100ms interval, want about 4", p)
	}
	s.mu.Lock()
	for _, h := range s.pingHdrs {
		if h.GetRetryCount() != -1 || !bytes.Equal(h.GetClientId(), c.clientID) {
			t.Errorf("ping header %v", h)
		}
	}
	s.mu.Unlock()
	checkServer(t, s)
}

func TestEmptyResponseBody(t *testing.T) {
	s := newFakeServer(t, serverOptions{}, func(r *fakeRequest) {
		switch r.ReqHeader.GetMethodName() {
		case "empty":
			r.Conn.reply(r.Header.GetCallId(), nil) // header + 0 length byte
		case "nobody":
			r.Conn.send(packet(okHeader(r.Header.GetCallId()))) // header only
		}
	})
	c := newTestClient(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, m := range []string{"empty", "nobody"} {
		resp := wrapperspb.String("stale")
		if err := c.Call(ctx, s.addr, testProtocol, m, nil, &wrapperspb.StringValue{}, resp); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if resp.GetValue() != "" {
			t.Errorf("%s: response not reset: %q", m, resp.GetValue())
		}
	}
	// A nil request is sent as an empty message and a nil resp is allowed.
	if err := c.Call(ctx, s.addr, testProtocol, "empty", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestMaxResponseSize(t *testing.T) {
	s := newFakeServer(t, serverOptions{}, func(r *fakeRequest) {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], 1<<30)
		r.Conn.send(b[:])
	})
	c := newTestClient(t, Config{MaxResponseSize: 1 << 20})
	_, err := echo(context.Background(), c, s.addr, nil, "echo", "x")
	if !errors.Is(err, errPacketTooLarge) || !IsConnectError(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestClientClose(t *testing.T) {
	s := newFakeServer(t, serverOptions{}, func(*fakeRequest) {})
	c := NewClient(Config{})
	errc := make(chan error, 1)
	go func() {
		_, err := echo(context.Background(), c, s.addr, nil, "never", "x")
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	c.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClientClosed) {
			t.Errorf("pending call: err = %v, want ErrClientClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("pending call not failed by Close")
	}
	if _, err := echo(context.Background(), c, s.addr, nil, "echo", "x"); !errors.Is(err, ErrClientClosed) {
		t.Errorf("call after Close: err = %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestSimpleRejectedByTokenServer(t *testing.T) {
	s := newFakeServer(t, serverOptions{token: &Token{Identifier: []byte("id"), Password: []byte("pw")}}, echoHandler(t, nil))
	c := newTestClient(t, Config{})
	_, err := echo(context.Background(), c, s.addr, nil, "echo", "x")
	var ace *AccessControlError
	if !errors.As(err, &ace) || !ace.Fatal || !strings.Contains(err.Error(), "SIMPLE authentication is not enabled") {
		t.Fatalf("err = %v (%T)", err, err)
	}
}

func testToken() *Token {
	return &Token{
		Identifier: []byte("\x0a\x0a\x08\x0d\x10\x9f\xdd\xe8\xb5\xf2\x2d\x10\x01\x18\xfc\xab\xe5\xb0\x03"),
		Password:   []byte("0123456789abcdefghij"),
		Kind:       "YARN_AM_RM_TOKEN",
	}
}

func TestSASLToken(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts serverOptions
		cfg  Config
	}{
		{"auth embedded challenge", serverOptions{}, Config{}},
		{"auth separate challenge", serverOptions{noEmbeddedChallenge: true}, Config{}},
		{"auth-int", serverOptions{qops: []string{"auth-int"}}, Config{}},
		{"auth-conf", serverOptions{qops: []string{"auth-conf"}}, Config{}},
		{"auth-conf split wraps", serverOptions{qops: []string{"auth-conf"}, splitWrap: true}, Config{}},
		{"protection picks integrity", serverOptions{qops: []string{"auth", "auth-int", "auth-conf"}}, Config{Protection: "integrity"}},
		{"strongest by default", serverOptions{qops: []string{"auth", "auth-int", "auth-conf"}}, Config{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := testToken()
			tc.opts.token = tok
			s := newFakeServer(t, tc.opts, echoHandler(t, nil))
			c := newTestClient(t, tc.cfg)
			mustEcho(t, c, s.addr, tok, "hello")
			// Concurrent calls and a request larger than the wrap buffer.
			var wg sync.WaitGroup
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					mustEcho(t, c, s.addr, tok, fmt.Sprintf("msg-%d", i))
				}(i)
			}
			wg.Wait()
			mustEcho(t, c, s.addr, tok, strings.Repeat("big", 70000))
			checkServer(t, s)
			if a := s.accepted.Load(); a != 1 {
				t.Errorf("accepted %d connections, want 1", a)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if !bytes.Equal(s.preambles[0], []byte("hrpc\x09\x00\xdf")) {
				t.Errorf("preamble % x", s.preambles[0])
			}
			if ui := s.contexts[0].GetUserInfo(); ui == nil || ui.EffectiveUser != nil || ui.RealUser != nil {
				t.Errorf("token connection context carries a user: %v", s.contexts[0])
			}
			want := map[string]string{"protection picks integrity": "auth-int", "strongest by default": "auth-conf"}[tc.name]
			if want == "" {
				want = "auth"
				if len(tc.opts.qops) > 0 {
					want = tc.opts.qops[0]
				}
			}
			if got := s.conns[0].qop; got != want {
				t.Errorf("negotiated qop %q, want %q", got, want)
			}
		})
	}
}

func TestSASLFailures(t *testing.T) {
	tok := testToken()
	wrong := &Token{Identifier: tok.Identifier, Password: []byte("wrong password")}
	t.Run("bad password", func(t *testing.T) {
		s := newFakeServer(t, serverOptions{token: tok}, echoHandler(t, nil))
		c := newTestClient(t, Config{})
		_, err := echo(context.Background(), c, s.addr, wrong, "echo", "x")
		var ite *InvalidTokenError
		if !errors.As(err, &ite) || !ite.Fatal {
			t.Fatalf("err = %v (%T), want InvalidTokenError", err, err)
		}
	})
	t.Run("bad rspauth", func(t *testing.T) {
		s := newFakeServer(t, serverOptions{token: tok, badRspauth: true}, echoHandler(t, nil))
		c := newTestClient(t, Config{})
		_, err := echo(context.Background(), c, s.addr, tok, "echo", "x")
		if err == nil || !strings.Contains(err.Error(), "rspauth") {
			t.Fatalf("err = %v, want an rspauth failure", err)
		}
	})
	t.Run("protection not offered", func(t *testing.T) {
		s := newFakeServer(t, serverOptions{token: tok}, echoHandler(t, nil))
		c := newTestClient(t, Config{Protection: "privacy"})
		_, err := echo(context.Background(), c, s.addr, tok, "echo", "x")
		if err == nil || !strings.Contains(err.Error(), "qop") {
			t.Fatalf("err = %v, want a qop failure", err)
		}
	})
	t.Run("bad protection value", func(t *testing.T) {
		c := newTestClient(t, Config{Protection: "secret"})
		if _, err := echo(context.Background(), c, "127.0.0.1:1", tok, "echo", "x"); err == nil || !strings.Contains(err.Error(), "protection") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("simple-only server", func(t *testing.T) {
		// The server answers NEGOTIATE with SUCCESS: proceed as SIMPLE.
		s := newFakeServer(t, serverOptions{}, echoHandler(t, nil))
		c := newTestClient(t, Config{User: "carol"})
		mustEcho(t, c, s.addr, tok, "x")
		s.mu.Lock()
		defer s.mu.Unlock()
		if u := s.contexts[0].GetUserInfo().GetEffectiveUser(); u != "carol" {
			t.Errorf("effective user %q after SIMPLE fallback", u)
		}
	})
}

func TestProtectionQOPs(t *testing.T) {
	q, err := protectionQOPs(" Privacy, integrity ,authentication")
	if err != nil || strings.Join(q, ",") != "auth-conf,auth-int,auth" {
		t.Errorf("protectionQOPs = %v, %v", q, err)
	}
	if q, err := protectionQOPs(""); err != nil || q != nil {
		t.Errorf("empty protection = %v, %v", q, err)
	}
}

func TestRemoteErrorFormatting(t *testing.T) {
	e := &RemoteError{ClassName: "org.apache.hadoop.security.token.SecretManager$InvalidToken", Message: "bad token\nstack"}
	if got := e.Error(); got != "remote SecretManager$InvalidToken: bad token" {
		t.Errorf("Error() = %q", got)
	}
	err := newRemoteError("", "", 0, false)
	if got := err.Error(); got != "remote ServerDidNotSetExceptionClassName" {
		t.Errorf("Error() = %q", got)
	}
}

func TestConnectErrorIs(t *testing.T) {
	err := fmt.Errorf("outer: %w", &ConnectError{Addr: "h:1", Op: "read", Err: net.ErrClosed})
	if !IsConnectError(err) || !errors.Is(err, net.ErrClosed) {
		t.Errorf("IsConnectError/Is failed for %v", err)
	}
	if IsConnectError(errors.New("x")) {
		t.Error("plain error classified as connect error")
	}
}

func TestContextRejected(t *testing.T) {
	s := newFakeServer(t, serverOptions{rejectContext: true}, echoHandler(t, nil))
	c := newTestClient(t, Config{})
	start := time.Now()
	_, err := echo(context.Background(), c, s.addr, nil, "echo", "x")
	var ace *AccessControlError
	if !errors.As(err, &ace) || !ace.Fatal || !strings.Contains(err.Error(), "doesn't match") {
		t.Fatalf("err = %v (%T)", err, err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("returned after %v", el)
	}
}

func TestGarbageResponses(t *testing.T) {
	bodyOverrun := func(id int32) []byte {
		b := append(packet(okHeader(id)), 0x7f) // body claims 127 bytes
		binary.BigEndian.PutUint32(b, uint32(len(b)-4))
		return b
	}
	fixed := func(b ...byte) func(int32) []byte { return func(int32) []byte { return b } }
	bad := map[string]func(id int32) []byte{
		"bad varint":          fixed(0, 0, 0, 2, 0xff, 0xff),
		"header overruns":     fixed(0, 0, 0, 2, 50, 1),
		"header not protobuf": fixed(0, 0, 0, 3, 2, 0xff, 0xff),
		"missing required":    fixed(0, 0, 0, 1, 0),
		"body overruns":       bodyOverrun,
	}
	for name, mk := range bad {
		t.Run(name, func(t *testing.T) {
			s := newFakeServer(t, serverOptions{}, func(r *fakeRequest) {
				r.Conn.send(mk(r.Header.GetCallId()))
			})
			c := newTestClient(t, Config{})
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err := echo(ctx, c, s.addr, nil, "echo", "x")
			if err == nil || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want a decode error", err)
			}
		})
	}
}

func TestNilResponsePointer(t *testing.T) {
	c := newTestClient(t, Config{})
	var resp *wrapperspb.StringValue
	if err := c.Call(context.Background(), "127.0.0.1:1", testProtocol, "m", nil, nil, resp); err == nil {
		t.Fatal("typed nil resp accepted")
	}
}

// FuzzDecodeServerPackets feeds arbitrary packet bodies to the decoders the
// client applies to server input; they must fail cleanly, never panic.
func FuzzDecodeServerPackets(f *testing.F) {
	f.Add(packet(okHeader(1), wrapperspb.String("x"))[4:])
	f.Add(packet(errHeader(-33, classInvalidToken, "bad", true))[4:])
	f.Add(packet(okHeader(-33), &commonpb.RpcSaslProto{State: commonpb.RpcSaslProto_NEGOTIATE.Enum()})[4:])
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, body []byte) {
		if h, rest, err := decodeResponseHeader(body); err == nil {
			_ = h.GetCallId()
			_ = decodeBody(rest, &wrapperspb.StringValue{})
		}
		pkt := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
		pkt = append(pkt, body...)
		if m, err := readSASL(bytes.NewReader(pkt), 1<<20); err == nil {
			cn := &conn{c: &Client{}, tok: &Token{}}
			_, _ = cn.chooseAuth(m.GetAuths())
		}
	})
}
