package yarn

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// tokenStub answers getDelegationToken/renewDelegationToken and records
// the methods, renewers and tokens it saw.
type tokenStub struct {
	methods []string
	toks    []*ipc.Token
	renewer string
}

func (s *tokenStub) Call(ctx context.Context, addr, protocol, method string, tok *ipc.Token, req, resp proto.Message) error {
	s.methods = append(s.methods, method)
	s.toks = append(s.toks, tok)
	switch r := resp.(type) {
	case *commonpb.GetDelegationTokenResponseProto:
		s.renewer = req.(*commonpb.GetDelegationTokenRequestProto).GetRenewer()
		r.Token = &commonpb.TokenProto{Identifier: []byte("id"), Password: []byte("pw"), Kind: proto.String(RMDelegationTokenKind), Service: proto.String("")}
	case *commonpb.RenewDelegationTokenResponseProto:
		r.NewExpiryTime = proto.Uint64(1700000000000)
	case *yarnpb.GetClusterMetricsResponseProto:
		r.ClusterMetrics = &yarnpb.YarnClusterMetricsProto{NumNodeManagers: proto.Int32(1)}
	}
	return nil
}

func TestRMDelegationToken(t *testing.T) {
	stub := &tokenStub{}
	rm, err := NewResourceManager(stub, []string{"rm:8032"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := rm.DelegationToken(t.Context(), "rm/rm@R", "127.0.0.1:8032")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Kind != RMDelegationTokenKind || tok.Service != "127.0.0.1:8032" || string(tok.Password) != "pw" || stub.renewer != "rm/rm@R" {
		t.Errorf("token %v renewer %q", tok, stub.renewer)
	}
	exp, err := rm.RenewDelegationToken(t.Context(), tok)
	if err != nil || exp.UnixMilli() != 1700000000000 {
		t.Errorf("renew: %v %v", exp, err)
	}
	if err := rm.CancelDelegationToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	if _, err := rm.DelegationToken(t.Context(), "", "x"); err == nil {
		t.Error("empty renewer accepted")
	}
	// TokenCaller authenticates token-less calls with its token.
	viaTok, _ := NewResourceManager(TokenCaller{Caller: stub, Token: &tok}, []string{"rm:8032"})
	if _, err := viaTok.ClusterMetrics(t.Context()); err != nil {
		t.Fatal(err)
	}
	if last := stub.toks[len(stub.toks)-1]; last == nil || string(last.Identifier) != "id" {
		t.Errorf("TokenCaller sent %v", last)
	}
	want := []string{"getDelegationToken", "renewDelegationToken", "cancelDelegationToken", "getClusterMetrics"}
	if len(stub.methods) != len(want) {
		t.Fatalf("methods %v", stub.methods)
	}
	for i := range want {
		if stub.methods[i] != want[i] {
			t.Errorf("methods %v, want %v", stub.methods, want)
		}
	}
}
