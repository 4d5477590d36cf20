package yarn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
)

// call is one recorded fake call.
type call struct {
	addr, protocol, method string
	tok                    *ipc.Token
	req                    proto.Message
}

// fakeCaller records calls and answers them with handler, which fills resp
// or returns an error.
type fakeCaller struct {
	mu      sync.Mutex
	calls   []call
	handler func(n int, c call, resp proto.Message) error // n: index of the call
}

func (f *fakeCaller) Call(ctx context.Context, addr, protocol, method string, tok *ipc.Token, req, resp proto.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := call{addr: addr, protocol: protocol, method: method, tok: cloneToken(tok), req: proto.Clone(req)}
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, c)
	h := f.handler
	f.mu.Unlock()
	if h == nil {
		return nil
	}
	return h(n, c, resp)
}

// recorded returns a copy of the recorded calls.
func (f *fakeCaller) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// methods returns "addr method" for each recorded call.
func (f *fakeCaller) methods() []string {
	var out []string
	for _, c := range f.recorded() {
		out = append(out, c.addr+" "+c.method)
	}
	return out
}

// Errors as the ipc package produces them.
func connRefused(addr string) error {
	return &ipc.ConnectError{Addr: addr, Op: "dial", Err: syscall.ECONNREFUSED}
}

func standby() error {
	return &ipc.StandbyError{RemoteError: &ipc.RemoteError{
		ClassName: "org.apache.hadoop.ipc.StandbyException",
		Message:   "Operation category READ is not supported in state standby"}}
}

func retriable() error {
	return &ipc.RetriableError{RemoteError: &ipc.RemoteError{
		ClassName: "org.apache.hadoop.ipc.RetriableException", Message: "busy"}}
}

func appNotFound() error {
	return &ipc.ApplicationNotFoundError{RemoteError: &ipc.RemoteError{
		ClassName: "org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException",
		Message:   "Application with id 'application_1_0001' doesn't exist in RM."}}
}

func amNotRegistered() error {
	return &ipc.ApplicationMasterNotRegisteredError{RemoteError: &ipc.RemoteError{
		ClassName: "org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException",
		Message:   "AM is not registered for known application attempt"}}
}

func invalidAMRequest(msg string) error {
	return &ipc.InvalidApplicationMasterRequestError{RemoteError: &ipc.RemoteError{
		ClassName: "org.apache.hadoop.yarn.exceptions.InvalidApplicationMasterRequestException",
		Message:   msg}}
}

// fast makes a failover's waits tiny for tests, keeping the default
// number of tries (two passes over the addresses).
func fast(f *failover) {
	f.policy = FailoverRetry{MaxFailovers: 2*len(f.addrs) - 1, SleepBase: time.Millisecond, SleepMax: time.Millisecond}
}

// setResp copies src into resp (which must be of the same type).
func setResp(resp, src proto.Message) error {
	if resp.ProtoReflect().Descriptor() != src.ProtoReflect().Descriptor() {
		return fmt.Errorf("fake: response type %T, have %T", resp, src)
	}
	proto.Merge(resp, src)
	return nil
}

// testCtx returns a context bounded to a few seconds.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// errAs reports whether errors.As finds a T in err.
func errAs[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}
