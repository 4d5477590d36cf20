package yarn

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

var amrmTok = &ipc.Token{Identifier: []byte("id-1"), Password: []byte("pw-1"), Kind: AMRMTokenKind}

// fakeRM simulates the scheduler side of an RM: registration state and
// response ids following the rules of ApplicationMasterService.
type fakeRM struct {
	mu         sync.Mutex
	registered bool
	lastID     int32 // -1 before registration
	lastResp   *yarnpb.AllocateResponseProto
	regs       int
	// hooks
	allocate func(req *yarnpb.AllocateRequestProto, resp *yarnpb.AllocateResponseProto) error
	finish   func(n int) (bool, error)
	finishes int
}

func (f *fakeRM) handle(n int, c call, resp proto.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.protocol != ApplicationMasterProtocol {
		return errors.New("wrong protocol " + c.protocol)
	}
	if c.tok == nil {
		return errors.New("no token")
	}
	switch c.method {
	case "registerApplicationMaster":
		if f.registered {
			return invalidAMRequest("Application Master is already registered")
		}
		f.registered = true
		f.regs++
		f.lastID = 0
		f.lastResp = nil
		return setResp(resp, &yarnpb.RegisterApplicationMasterResponseProto{
			MaximumCapability: &yarnpb.ResourceProto{Memory: proto.Int64(4096)},
		})
	case "allocate":
		if !f.registered {
			return amNotRegistered()
		}
		req := c.req.(*yarnpb.AllocateRequestProto)
		if req.GetResponseId()+1 == f.lastID && f.lastResp != nil {
			return setResp(resp, f.lastResp) // duplicate: cached response
		}
		if req.GetResponseId() != f.lastID {
			return invalidAMRequest("response id mismatch")
		}
		out := &yarnpb.AllocateResponseProto{ResponseId: proto.Int32(f.lastID + 1)}
		if f.allocate != nil {
			if err := f.allocate(req, out); err != nil {
				return err
			}
		}
		f.lastID++
		f.lastResp = out
		return setResp(resp, out)
	case "finishApplicationMaster":
		if !f.registered {
			return amNotRegistered()
		}
		f.finishes++
		done, err := true, error(nil)
		if f.finish != nil {
			done, err = f.finish(f.finishes)
		}
		if err != nil {
			return err
		}
		return setResp(resp, &yarnpb.FinishApplicationMasterResponseProto{IsUnregistered: proto.Bool(done)})
	}
	return errors.New("unexpected " + c.method)
}

func newTestScheduler(t *testing.T, fc *fakeCaller, addrs ...string) *Scheduler {
	t.Helper()
	if len(addrs) == 0 {
		addrs = []string{"rm1:8030"}
	}
	s, err := NewScheduler(fc, addrs, amrmTok, nil)
	if err != nil {
		t.Fatal(err)
	}
	fast(s.fo)
	return s
}

// sentIDs returns the response_id of every allocate call sent.
func sentIDs(fc *fakeCaller) []int32 {
	var out []int32
	for _, c := range fc.recorded() {
		if c.method == "allocate" {
			out = append(out, c.req.(*yarnpb.AllocateRequestProto).GetResponseId())
		}
	}
	return out
}

func TestSchedulerResponseIDSequencing(t *testing.T) {
	rm := &fakeRM{}
	failNext := false
	fc := &fakeCaller{}
	fc.handler = func(n int, c call, resp proto.Message) error {
		if failNext && c.method == "allocate" {
			failNext = false
			return invalidAMRequest("simulated failure")
		}
		return rm.handle(n, c, resp)
	}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Allocate(ctx, nil, nil, 0); err == nil {
		t.Fatal("allocate before register succeeded")
	}
	reg, err := s.Register(ctx, "amhost", -1, "http://amhost:1")
	if err != nil || reg.GetMaximumCapability().GetMemory() != 4096 {
		t.Fatalf("Register = %v, %v", reg, err)
	}
	req := fc.recorded()[0].req.(*yarnpb.RegisterApplicationMasterRequestProto)
	if req.GetHost() != "amhost" || req.GetRpcPort() != -1 || req.GetTrackingUrl() != "http://amhost:1" {
		t.Errorf("register request %v", req)
	}
	for i := 0; i < 3; i++ {
		r, err := s.Allocate(ctx, nil, nil, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		if r.Response.GetResponseId() != int32(i+1) || r.Reregistered {
			t.Errorf("allocate %d: %v", i, r)
		}
	}
	// A failed call does not advance the id: the retry sends the same id.
	failNext = true
	if _, err := s.Allocate(ctx, nil, nil, 0.5); !errAs[*ipc.InvalidApplicationMasterRequestError](err) {
		t.Fatalf("err = %v", err)
	}
	if s.ResponseID() != 3 {
		t.Errorf("ResponseID after failure = %d", s.ResponseID())
	}
	if _, err := s.Allocate(ctx, nil, nil, 0.5); err != nil {
		t.Fatal(err)
	}
	if want := []int32{0, 1, 2, 3, 3}; !reflect.DeepEqual(sentIDs(fc), want) {
		t.Errorf("sent ids = %v, want %v", sentIDs(fc), want)
	}
	if s.ResponseID() != 4 {
		t.Errorf("ResponseID = %d", s.ResponseID())
	}
	for _, c := range fc.recorded() {
		if !sameToken(c.tok, amrmTok) {
			t.Errorf("%s used token %v", c.method, c.tok)
		}
	}
}

func TestSchedulerConnectionDropRetransmitsSameID(t *testing.T) {
	// The request reaches the RM but the connection breaks before the
	// answer: the retry (next address pass) carries the same id and the RM
	// answers with the cached response.
	rm := &fakeRM{}
	dropped := false
	fc := &fakeCaller{}
	fc.handler = func(n int, c call, resp proto.Message) error {
		err := rm.handle(n, c, resp)
		if c.method == "allocate" && !dropped && err == nil {
			dropped = true
			proto.Reset(resp)
			return &ipc.ConnectError{Addr: c.addr, Op: "read", Err: errors.New("connection reset")}
		}
		return err
	}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	r, err := s.Allocate(ctx, nil, nil, 0)
	if err != nil || r.Response.GetResponseId() != 1 {
		t.Fatalf("Allocate = %v, %v", r, err)
	}
	if want := []int32{0, 0}; !reflect.DeepEqual(sentIDs(fc), want) {
		t.Errorf("sent ids = %v, want %v", sentIDs(fc), want)
	}
}

func TestSchedulerAMRMTokenRollover(t *testing.T) {
	rolled := TokenToProto(&ipc.Token{Identifier: []byte("id-2"), Password: []byte("pw-2"), Kind: AMRMTokenKind})
	rm := &fakeRM{}
	rm.allocate = func(req *yarnpb.AllocateRequestProto, resp *yarnpb.AllocateResponseProto) error {
		if rm.lastID >= 1 { // second and third responses carry the new token
			resp.AmRmToken = rolled
		}
		return nil
	}
	fc := &fakeCaller{handler: rm.handle}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	r1, err := s.Allocate(ctx, nil, nil, 0)
	if err != nil || r1.TokenRolled {
		t.Fatalf("first allocate: %v, %v", r1, err)
	}
	r2, err := s.Allocate(ctx, nil, nil, 0)
	if err != nil || !r2.TokenRolled {
		t.Fatalf("second allocate: %+v, %v", r2, err)
	}
	r3, err := s.Allocate(ctx, nil, nil, 0) // repeated token: harmless
	if err != nil || r3.TokenRolled {
		t.Fatalf("third allocate: %+v, %v", r3, err)
	}
	calls := fc.recorded()
	if !bytes.Equal(calls[2].tok.Identifier, []byte("id-1")) {
		t.Errorf("second allocate used %q", calls[2].tok.Identifier)
	}
	if !bytes.Equal(calls[3].tok.Identifier, []byte("id-2")) || !bytes.Equal(calls[3].tok.Password, []byte("pw-2")) {
		t.Errorf("call after roll-over used %q/%q", calls[3].tok.Identifier, calls[3].tok.Password)
	}
	if got := s.Token(); !bytes.Equal(got.Identifier, []byte("id-2")) {
		t.Errorf("Token() = %v", got)
	}
}

func nmTokenProto(host string, port int32, id string) *yarnpb.NMTokenProto {
	return &yarnpb.NMTokenProto{
		NodeId: &yarnpb.NodeIdProto{Host: proto.String(host), Port: proto.Int32(port)},
		Token:  TokenToProto(&ipc.Token{Identifier: []byte(id), Password: []byte("p" + id), Kind: "NMToken"}),
	}
}

func TestSchedulerNMTokensIntoCache(t *testing.T) {
	rm := &fakeRM{}
	rm.allocate = func(req *yarnpb.AllocateRequestProto, resp *yarnpb.AllocateResponseProto) error {
		switch rm.lastID {
		case 0:
			resp.NmTokens = []*yarnpb.NMTokenProto{nmTokenProto("n1", 45, "a"), nmTokenProto("n2", 45, "b")}
		case 1:
			resp.NmTokens = []*yarnpb.NMTokenProto{nmTokenProto("n1", 45, "c")}
		}
		return nil
	}
	fc := &fakeCaller{handler: rm.handle}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := s.Allocate(ctx, nil, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.NMTokens().Nodes(); !reflect.DeepEqual(got, []string{"n1:45", "n2:45"}) {
		t.Errorf("nodes = %q", got)
	}
	if tok, _ := s.NMTokens().Get("n1:45"); string(tok.Identifier) != "c" {
		t.Errorf("n1 token = %q, want newest", tok.Identifier)
	}
	if tok, _ := s.NMTokens().Get("n2:45"); string(tok.Identifier) != "b" {
		t.Errorf("n2 token = %q", tok.Identifier)
	}
}

func TestSchedulerRegisterStoresPreviousNMTokens(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		return setResp(resp, &yarnpb.RegisterApplicationMasterResponseProto{
			NmTokensFromPreviousAttempts: []*yarnpb.NMTokenProto{nmTokenProto("old", 1, "x")},
		})
	}}
	cache := &NMTokenCache{}
	s, err := NewScheduler(fc, []string{"rm"}, amrmTok, cache)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(testCtx(t), "h", 5, ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := cache.Get("old:1"); !ok {
		t.Error("token from previous attempt not cached")
	}
}

func TestSchedulerReregistersOnNotRegistered(t *testing.T) {
	rm := &fakeRM{}
	fc := &fakeCaller{handler: rm.handle}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "amhost", 7, "http://t"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := s.Allocate(ctx, nil, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	// RM fail-over: the new RM knows nothing about this AM.
	rm.mu.Lock()
	rm.registered, rm.lastID, rm.lastResp = false, -1, nil
	rm.mu.Unlock()
	ask := &yarnpb.ResourceRequestProto{ResourceName: proto.String("*"), NumContainers: proto.Int32(2)}
	r, err := s.Allocate(ctx, []*yarnpb.ResourceRequestProto{ask}, []ContainerID{{ID: 9}}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Reregistered || r.Response.GetResponseId() != 1 {
		t.Errorf("result %+v", r)
	}
	if rm.regs != 2 {
		t.Errorf("registrations = %d", rm.regs)
	}
	if want := []int32{0, 1, 2, 0}; !reflect.DeepEqual(sentIDs(fc), want) {
		t.Errorf("sent ids = %v, want %v", sentIDs(fc), want)
	}
	calls := fc.recorded()
	rereg := calls[len(calls)-2].req.(*yarnpb.RegisterApplicationMasterRequestProto)
	if rereg.GetHost() != "amhost" || rereg.GetRpcPort() != 7 || rereg.GetTrackingUrl() != "http://t" {
		t.Errorf("re-registration %v", rereg)
	}
	retry := calls[len(calls)-1].req.(*yarnpb.AllocateRequestProto)
	if len(retry.GetAsk()) != 1 || len(retry.GetRelease()) != 1 {
		t.Errorf("retry lost asks/releases: %v", retry)
	}
	// Only one re-registration per Allocate.
	rm.mu.Lock()
	rm.registered = false
	rm.mu.Unlock()
	fc.mu.Lock()
	h := fc.handler
	fc.handler = func(n int, c call, resp proto.Message) error {
		if c.method == "allocate" {
			return amNotRegistered()
		}
		return h(n, c, resp)
	}
	fc.mu.Unlock()
	if _, err := s.Allocate(ctx, nil, nil, 0); !errAs[*ipc.ApplicationMasterNotRegisteredError](err) {
		t.Errorf("err = %v", err)
	}
}

func TestSchedulerAMResyncReregisters(t *testing.T) {
	rm := &fakeRM{}
	resync := true
	rm.allocate = func(req *yarnpb.AllocateRequestProto, resp *yarnpb.AllocateResponseProto) error {
		if resync {
			// An RM that lost the attempt's registration (rm.mu is held).
			resp.AMCommand = yarnpb.AMCommandProto_AM_RESYNC.Enum()
			rm.registered = false
		}
		return nil
	}
	fc := &fakeCaller{handler: rm.handle}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", 3, "http://track"); err != nil {
		t.Fatal(err)
	}
	r, err := s.Allocate(ctx, nil, nil, 0)
	if err != nil || !r.Resync || !r.Reregistered || r.Shutdown || r.Registration == nil {
		t.Fatalf("resync: %+v, %v", r, err)
	}
	if rm.regs != 2 || s.ResponseID() != 0 {
		t.Errorf("registrations %d, next response id %d; want 2, 0", rm.regs, s.ResponseID())
	}
	resync = false
	if r, err = s.Allocate(ctx, nil, nil, 0); err != nil || r.Reregistered || r.Resync {
		t.Fatalf("after resync: %+v, %v", r, err)
	}
	if want := []int32{0, 0}; !reflect.DeepEqual(sentIDs(fc), want) {
		t.Errorf("sent ids = %v, want %v", sentIDs(fc), want)
	}
}

func TestSchedulerAMResyncReregistrationFails(t *testing.T) {
	rm := &fakeRM{}
	rm.allocate = func(req *yarnpb.AllocateRequestProto, resp *yarnpb.AllocateResponseProto) error {
		resp.AMCommand = yarnpb.AMCommandProto_AM_RESYNC.Enum()
		return nil
	}
	fc := &fakeCaller{}
	fc.handler = func(n int, c call, resp proto.Message) error {
		if c.method == "registerApplicationMaster" && n > 0 {
			return &ipc.ApplicationAttemptNotFoundError{RemoteError: &ipc.RemoteError{
				ClassName: "org.apache.hadoop.yarn.exceptions.ApplicationAttemptNotFoundException", Message: "gone"}}
		}
		return rm.handle(n, c, resp)
	}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	r, err := s.Allocate(ctx, nil, nil, 0)
	if err == nil || !errAs[*ipc.ApplicationAttemptNotFoundError](err) || !strings.Contains(err.Error(), "AM_RESYNC") {
		t.Fatalf("got %+v, %v; want an error naming AM_RESYNC", r, err)
	}
}

func TestSchedulerAMShutdown(t *testing.T) {
	rm := &fakeRM{}
	rm.allocate = func(req *yarnpb.AllocateRequestProto, resp *yarnpb.AllocateResponseProto) error {
		resp.AMCommand = yarnpb.AMCommandProto_AM_SHUTDOWN.Enum()
		return nil
	}
	fc := &fakeCaller{handler: rm.handle}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	r, err := s.Allocate(ctx, nil, nil, 0)
	if err != nil || r.Resync || !r.Shutdown || r.Reregistered {
		t.Errorf("shutdown: %+v, %v", r, err)
	}
	if rm.regs != 1 {
		t.Errorf("registrations = %d, want 1", rm.regs)
	}
}

func TestSchedulerFinishLoopsUntilUnregistered(t *testing.T) {
	rm := &fakeRM{finish: func(n int) (bool, error) { return n >= 3, nil }}
	fc := &fakeCaller{handler: rm.handle}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Finish(ctx, yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED, "all good", "http://hist"); err != nil {
		t.Fatal(err)
	}
	if rm.finishes != 3 {
		t.Errorf("finish calls = %d", rm.finishes)
	}
	if d := time.Since(start); d < 250*time.Millisecond { // 100ms + 200ms back-off
		t.Errorf("finished after %v: no back-off", d)
	}
	req := fc.recorded()[1].req.(*yarnpb.FinishApplicationMasterRequestProto)
	if req.GetFinalApplicationStatus() != yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED ||
		req.GetDiagnostics() != "all good" || req.GetTrackingUrl() != "http://hist" {
		t.Errorf("finish request %v", req)
	}
	if _, err := s.Allocate(ctx, nil, nil, 1); err == nil {
		t.Error("allocate after finish succeeded")
	}
}

func TestSchedulerFinishBoundedByContext(t *testing.T) {
	rm := &fakeRM{finish: func(n int) (bool, error) { return false, nil }}
	fc := &fakeCaller{handler: rm.handle}
	s := newTestScheduler(t, fc)
	if _, err := s.Register(testCtx(t), "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.Finish(ctx, yarnpb.FinalApplicationStatusProto_APP_FAILED, "", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}

func TestSchedulerFinishReregisters(t *testing.T) {
	rm := &fakeRM{}
	fc := &fakeCaller{handler: rm.handle}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	rm.mu.Lock()
	rm.registered = false
	rm.mu.Unlock()
	if err := s.Finish(ctx, yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED, "", ""); err != nil {
		t.Fatal(err)
	}
	want := []string{"rm1:8030 registerApplicationMaster", "rm1:8030 finishApplicationMaster",
		"rm1:8030 registerApplicationMaster", "rm1:8030 finishApplicationMaster"}
	if got := fc.methods(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestSchedulerHAFailover(t *testing.T) {
	rm := &fakeRM{}
	fc := &fakeCaller{}
	fc.handler = func(n int, c call, resp proto.Message) error {
		if c.addr == "rm1:8030" {
			return connRefused(c.addr)
		}
		return rm.handle(n, c, resp)
	}
	s := newTestScheduler(t, fc, "rm1:8030", "rm2:8030")
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Allocate(ctx, nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	want := []string{"rm1:8030 registerApplicationMaster", "rm2:8030 registerApplicationMaster", "rm2:8030 allocate"}
	if got := fc.methods(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestNewSchedulerValidates(t *testing.T) {
	if _, err := NewScheduler(&fakeCaller{}, []string{"a"}, nil, nil); err == nil {
		t.Error("nil token accepted")
	}
	if _, err := NewScheduler(&fakeCaller{}, nil, amrmTok, nil); err == nil {
		t.Error("no addresses accepted")
	}
}

func TestSchedulerRidesOutRMRestart(t *testing.T) {
	// The RM goes away for a few tries and comes back having recovered the
	// application but not the AM's registration (work-preserving restart).
	rm := &fakeRM{}
	var down atomic.Bool
	fc := &fakeCaller{}
	fc.handler = func(n int, c call, resp proto.Message) error {
		if down.Load() {
			return connRefused(c.addr)
		}
		return rm.handle(n, c, resp)
	}
	ev := newEvents()
	s, err := NewScheduler(fc, []string{"rm:8030"}, amrmTok, nil, WithObserver(ev.observe),
		WithRetryPolicy(FixedRetry{MaxWait: time.Minute, Interval: 10 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "amhost", 7, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Allocate(ctx, nil, nil, 0.1); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	go func() {
		time.Sleep(300 * time.Millisecond)
		rm.mu.Lock()
		rm.registered, rm.lastID, rm.lastResp = false, -1, nil
		rm.mu.Unlock()
		down.Store(false)
	}()
	ask := &yarnpb.ResourceRequestProto{ResourceName: proto.String("*"), NumContainers: proto.Int32(3)}
	r, err := s.Allocate(ctx, []*yarnpb.ResourceRequestProto{ask}, []ContainerID{{ID: 4}}, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Reregistered || r.Resync || r.Registration == nil || r.Response.GetResponseId() != 1 {
		t.Errorf("result %+v", r)
	}
	if rm.regs != 2 {
		t.Errorf("registrations = %d, want 2", rm.regs)
	}
	ids := sentIDs(fc)
	if ids[0] != 0 || ids[len(ids)-1] != 0 || ids[len(ids)-2] != 1 {
		t.Errorf("sent ids = %v, want 0, 1 (refused) ..., 0 after re-registering", ids)
	}
	got := ev.all()
	if len(got) != 2 || got[0].State != RMUnreachable || got[0].Method != "allocate" || got[1].State != RMBack {
		t.Errorf("events = %v", got)
	}
	// The next heartbeat carries on from the new registration.
	if r, err := s.Allocate(ctx, nil, nil, 0.3); err != nil || r.Reregistered || r.Response.GetResponseId() != 2 {
		t.Errorf("next allocate %+v, %v", r, err)
	}
}

func TestSchedulerReregisterAlreadyRegistered(t *testing.T) {
	// The answer to a re-registration was lost in a broken connection:
	// the retry finds the AM registered, which is what was wanted.
	rm := &fakeRM{}
	fc := &fakeCaller{}
	lost := false
	fc.handler = func(n int, c call, resp proto.Message) error {
		err := rm.handle(n, c, resp)
		if c.method == "registerApplicationMaster" && rm.regs == 2 && !lost {
			lost = true
			return &ipc.ConnectError{Addr: c.addr, Op: "read", Err: errors.New("connection reset")}
		}
		return err
	}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	rm.mu.Lock()
	rm.registered = false
	rm.mu.Unlock()
	r, err := s.Allocate(ctx, nil, nil, 0)
	if err != nil || !r.Reregistered || r.Registration != nil || r.Response.GetResponseId() != 1 {
		t.Fatalf("got %+v, %v", r, err)
	}
}

func TestSchedulerRegisterPreviousAttempts(t *testing.T) {
	kept := &yarnpb.ContainerProto{Id: ContainerID{Attempt: AttemptID{App: testApp, Attempt: 1}, ID: 2}.Proto(),
		NodeId: &yarnpb.NodeIdProto{Host: proto.String("n1"), Port: proto.Int32(45454)}}
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		return setResp(resp, &yarnpb.RegisterApplicationMasterResponseProto{
			MaximumCapability:              &yarnpb.ResourceProto{Memory: proto.Int64(8192)},
			ContainersFromPreviousAttempts: []*yarnpb.ContainerProto{kept},
			NmTokensFromPreviousAttempts:   []*yarnpb.NMTokenProto{nmTokenProto("n1", 45454, "tok-n1")},
		})
	}}
	s := newTestScheduler(t, fc)
	reg, err := s.Register(testCtx(t), "h", -1, "")
	if err != nil {
		t.Fatal(err)
	}
	if reg.GetMaximumCapability().GetMemory() != 8192 || len(reg.PreviousContainers) != 1 ||
		!proto.Equal(reg.PreviousContainers[0], kept) || len(reg.PreviousNMTokens) != 1 {
		t.Errorf("registration %+v", reg)
	}
	if _, ok := s.NMTokens().Get("n1:45454"); !ok {
		t.Error("NM token of the kept container's node not cached")
	}
}

func TestSchedulerAllocateExclusions(t *testing.T) {
	rm := &fakeRM{}
	var got []*yarnpb.ResourceBlacklistRequestProto
	rm.allocate = func(req *yarnpb.AllocateRequestProto, resp *yarnpb.AllocateResponseProto) error {
		got = append(got, req.GetBlacklistRequest())
		return nil
	}
	fc := &fakeCaller{handler: rm.handle}
	s := newTestScheduler(t, fc)
	ctx := testCtx(t)
	if _, err := s.Register(ctx, "h", -1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AllocateExcluding(ctx, nil, nil, Exclusions{Add: []string{"bad:1"}, Remove: []string{"ok:2"}}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Allocate(ctx, nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !reflect.DeepEqual(got[0].GetBlacklistAdditions(), []string{"bad:1"}) ||
		!reflect.DeepEqual(got[0].GetBlacklistRemovals(), []string{"ok:2"}) || got[1] != nil {
		t.Fatalf("blacklist requests sent = %v; want additions [bad:1], removals [ok:2], then none", got)
	}
}
