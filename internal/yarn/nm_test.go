package yarn

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

func TestNMTokenCacheReplacement(t *testing.T) {
	var c NMTokenCache // zero value usable
	if _, ok := c.Get("n:1"); ok {
		t.Fatal("empty cache returned a token")
	}
	tok := &ipc.Token{Identifier: []byte("a"), Password: []byte("pa"), Kind: "NMToken"}
	c.Put("n:1", tok)
	tok.Identifier[0] = 'z' // the cache holds a copy
	got, ok := c.Get("n:1")
	if !ok || string(got.Identifier) != "a" {
		t.Fatalf("Get = %v, %v", got, ok)
	}
	got.Password[0] = 'q' // and hands out copies
	c.Put("n:1", &ipc.Token{Identifier: []byte("b"), Password: []byte("pb")})
	if got, _ := c.Get("n:1"); string(got.Identifier) != "b" || string(got.Password) != "pb" {
		t.Errorf("after replacement: %v", got)
	}
	if n := c.AddProtos([]*yarnpb.NMTokenProto{nmTokenProto("n", 1, "c"), {}, nmTokenProto("m", 2, "d")}); n != 2 {
		t.Errorf("AddProtos stored %d", n)
	}
	if got, _ := c.Get("n:1"); string(got.Identifier) != "c" {
		t.Errorf("after AddProtos: %q", got.Identifier)
	}
	c.Remove("m:2")
	if nodes := c.Nodes(); len(nodes) != 1 || nodes[0] != "n:1" {
		t.Errorf("Nodes = %q", nodes)
	}
}

func TestNMTokenCacheConcurrent(t *testing.T) {
	var c NMTokenCache
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				node := fmt.Sprintf("n%d:1", j%4)
				c.Put(node, &ipc.Token{Identifier: []byte{byte(i), byte(j)}})
				c.Get(node)
				c.Nodes()
			}
		}()
	}
	wg.Wait()
	if len(c.Nodes()) != 4 {
		t.Errorf("nodes = %q", c.Nodes())
	}
}

func TestNodeAddress(t *testing.T) {
	if got := NodeAddress(&yarnpb.NodeIdProto{Host: proto.String("nm1.example"), Port: proto.Int32(18045)}); got != "nm1.example:18045" {
		t.Errorf("got %q", got)
	}
	if got := NodeAddress(&yarnpb.NodeIdProto{Host: proto.String("::1"), Port: proto.Int32(1)}); got != "[::1]:1" {
		t.Errorf("got %q", got)
	}
}

func TestTokenProtoConversion(t *testing.T) {
	tok := &ipc.Token{Identifier: []byte{1, 2}, Password: []byte{3}, Kind: "K", Service: "S"}
	p := TokenToProto(tok)
	if b, err := proto.Marshal(p); err != nil || len(b) == 0 {
		t.Fatalf("marshal: %v", err)
	}
	if back := TokenFromProto(p); !sameToken(back, tok) {
		t.Errorf("round trip %v", back)
	}
	// Required fields are set even when empty.
	if _, err := proto.Marshal(TokenToProto(&ipc.Token{})); err != nil {
		t.Errorf("empty token: %v", err)
	}
	if TokenToProto(nil) != nil || TokenFromProto(nil) != nil {
		t.Error("nil not preserved")
	}
}

func TestStartContainers(t *testing.T) {
	c1 := ContainerID{AttemptID{testApp, 1}, 2}
	c2 := ContainerID{AttemptID{testApp, 1}, 3}
	nmTok := &ipc.Token{Identifier: []byte("nm"), Password: []byte("pw"), Kind: "NMToken"}
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.protocol != ContainerManagementProtocol || c.method != "startContainers" || c.addr != "nm1:18045" {
			return fmt.Errorf("unexpected call %+v", c)
		}
		if !sameToken(c.tok, nmTok) {
			return errors.New("wrong token")
		}
		req := c.req.(*yarnpb.StartContainersRequestProto)
		if len(req.GetStartContainerRequest()) != 2 {
			return errors.New("wrong request count")
		}
		return setResp(resp, &yarnpb.StartContainersResponseProto{
			SucceededRequests: []*yarnpb.ContainerIdProto{c1.Proto()},
			FailedRequests: []*yarnpb.ContainerExceptionMapProto{{
				ContainerId: c2.Proto(),
				Exception: &yarnpb.SerializedExceptionProto{
					ClassName: proto.String("org.apache.hadoop.yarn.exceptions.YarnException"),
					Message:   proto.String("Unauthorized request to start container.\nmore"),
					Trace:     proto.String("at x"),
					Cause: &yarnpb.SerializedExceptionProto{
						ClassName: proto.String("org.apache.hadoop.security.token.SecretManager$InvalidToken"),
						Message:   proto.String("expired"),
					},
				},
			}},
		})
	}}
	cache := &NMTokenCache{}
	nms := NewNodeManagers(fc, cache)
	reqs := []*yarnpb.StartContainerRequestProto{{}, {}}
	ctx := testCtx(t)
	if _, err := nms.StartContainers(ctx, "nm1:18045", reqs); err == nil || !strings.Contains(err.Error(), "nm1:18045") {
		t.Errorf("missing token: err = %v", err)
	}
	cache.Put("nm1:18045", nmTok)
	res, err := nms.StartContainers(ctx, "nm1:18045", reqs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Succeeded) != 1 || res.Succeeded[0] != c1 {
		t.Errorf("succeeded = %v", res.Succeeded)
	}
	ferr := res.Failed[c2]
	if ferr == nil || len(res.Failed) != 1 {
		t.Fatalf("failed = %v", res.Failed)
	}
	msg := ferr.Error()
	for _, s := range []string{"nm1:18045", c2.String(), "YarnException", "Unauthorized request"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q lacks %q", msg, s)
		}
	}
	var se *SerializedError
	if !errors.As(ferr, &se) || se.ClassName != "org.apache.hadoop.yarn.exceptions.YarnException" || se.Trace != "at x" {
		t.Errorf("SerializedError = %+v", se)
	}
	if !IsSerializedClass(ferr, "org.apache.hadoop.security.token.SecretManager$InvalidToken") {
		t.Error("cause not reachable")
	}
	if IsSerializedClass(ferr, "java.io.IOException") {
		t.Error("IsSerializedClass matched a class that is not there")
	}
}

func TestStopAndStatuses(t *testing.T) {
	c1 := ContainerID{AttemptID{testApp, 1}, 2}
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		switch c.method {
		case "stopContainers":
			req := c.req.(*yarnpb.StopContainersRequestProto)
			if len(req.GetContainerId()) != 1 || ContainerIDFromProto(req.GetContainerId()[0]) != c1 {
				return errors.New("bad stop request")
			}
			return setResp(resp, &yarnpb.StopContainersResponseProto{SucceededRequests: req.GetContainerId()})
		case "getContainerStatuses":
			return setResp(resp, &yarnpb.GetContainerStatusesResponseProto{Status: []*yarnpb.ContainerStatusProto{{
				ContainerId: c1.Proto(), State: yarnpb.ContainerStateProto_C_COMPLETE.Enum(), ExitStatus: proto.Int32(0),
			}}})
		}
		return &ipc.ConnectError{Addr: c.addr, Op: "dial", Err: errors.New("refused")}
	}}
	cache := &NMTokenCache{}
	cache.Put("nm:1", &ipc.Token{Identifier: []byte("x")})
	nms := NewNodeManagers(fc, cache)
	ctx := testCtx(t)
	res, err := nms.StopContainers(ctx, "nm:1", c1)
	if err != nil || len(res.Succeeded) != 1 || res.Failed != nil {
		t.Errorf("Stop = %+v, %v", res, err)
	}
	st, failed, err := nms.GetContainerStatuses(ctx, "nm:1", c1)
	if err != nil || len(st) != 1 || st[0].GetState() != yarnpb.ContainerStateProto_C_COMPLETE || failed != nil {
		t.Errorf("Statuses = %v, %v, %v", st, failed, err)
	}
}

func TestNMCallErrorNamesNode(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		return &ipc.ConnectError{Addr: c.addr, Op: "dial", Err: errors.New("refused")}
	}}
	cache := &NMTokenCache{}
	cache.Put("nm:1", &ipc.Token{})
	_, err := NewNodeManagers(fc, cache).StopContainers(testCtx(t), "nm:1")
	if err == nil || !strings.Contains(err.Error(), "node nm:1") || !ipc.IsConnectError(err) {
		t.Errorf("err = %v", err)
	}
}

func TestExitStatusString(t *testing.T) {
	tests := map[int32]string{
		ExitSuccess:                  "SUCCESS (0)",
		ExitInvalid:                  "INVALID (-1000): no exit status yet",
		ExitAborted:                  "ABORTED (-100): released by the application master or node lost",
		ExitKilledExceededPMem:       "KILLED_EXCEEDED_PMEM (-104): exceeded its physical memory limit",
		ExitKilledAfterAppCompletion: "KILLED_AFTER_APP_COMPLETION (-107): killed after the application finished",
		1:                            "exit code 1",
		137:                          "exit code 137 (signal 9)",
		-5:                           "exit code -5",
	}
	for st, want := range tests {
		if got := ExitStatusString(st); got != want {
			t.Errorf("ExitStatusString(%d) = %q, want %q", st, got, want)
		}
	}
	for _, st := range []int32{ExitAborted, ExitDisksFailed, ExitPreempted, ExitKilledExceededVMem,
		ExitKilledExceededPMem, ExitKilledByAppMaster, ExitKilledByResourceManager, ExitKilledAfterAppCompletion} {
		if !IsSpecialExitStatus(st) || strings.HasPrefix(ExitStatusString(st), "exit code") {
			t.Errorf("%d not special", st)
		}
	}
	if IsSpecialExitStatus(0) || IsSpecialExitStatus(1) {
		t.Error("ordinary codes reported special")
	}
}

func TestSerializedErrorEdgeCases(t *testing.T) {
	if SerializedErrorFromProto(nil) != nil {
		t.Error("nil")
	}
	e := SerializedErrorFromProto(&yarnpb.SerializedExceptionProto{})
	if e.Error() == "" || e.Unwrap() != nil {
		t.Errorf("empty: %q", e.Error())
	}
	// A deep cause chain is cut, not followed forever.
	p := &yarnpb.SerializedExceptionProto{Message: proto.String("0")}
	cur := p
	for i := 0; i < 100; i++ {
		cur.Cause = &yarnpb.SerializedExceptionProto{Message: proto.String("x")}
		cur = cur.Cause
	}
	depth := 0
	for e := SerializedErrorFromProto(p); e != nil; e = e.Cause {
		depth++
	}
	if depth > maxCauseDepth+1 {
		t.Errorf("depth %d", depth)
	}
}
