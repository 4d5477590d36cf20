package hdfsnn

import (
	"context"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
	"github.com/spindle-yarn/spindle/internal/pb/hdfspb"
)

// TestParseIdentifier decodes an identifier issued by the test cluster's
// NameNode (Hadoop 3.2.2) to alice@SPINDLE.TEST with renewer
// rm/localhost@SPINDLE.TEST, which the NameNode stored as "root".
func TestParseIdentifier(t *testing.T) {
	b, err := os.ReadFile("testdata/hdfs-dt-identifier.hex")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	id, err := ParseIdentifier(raw)
	if err != nil {
		t.Fatal(err)
	}
	if id.Owner != "alice@SPINDLE.TEST" || id.Renewer != "root" || id.RealUser != "" {
		t.Errorf("identifier %+v", id)
	}
	// The default max lifetime is 7 days.
	if d := id.MaxDate.Sub(id.IssueDate); d != 7*24*time.Hour {
		t.Errorf("lifetime %v, want 168h", d)
	}
	if id.SequenceNumber <= 0 || id.MasterKeyID <= 0 {
		t.Errorf("sequence %d key %d", id.SequenceNumber, id.MasterKeyID)
	}
	for i := range raw {
		if _, err := ParseIdentifier(raw[:i]); err == nil {
			t.Errorf("truncated to %d bytes: parsed", i)
		}
	}
}

// fakeNN answers calls from a table and records which addresses it saw.
type fakeNN struct {
	errs  map[string]error // by address
	seen  []string
	tok   []*ipc.Token
	reply func(method string, req, resp proto.Message)
}

func (f *fakeNN) Call(ctx context.Context, addr, protocol, method string, tok *ipc.Token, req, resp proto.Message) error {
	f.seen = append(f.seen, addr)
	f.tok = append(f.tok, tok)
	if protocol != Protocol {
		return errors.New("wrong protocol " + protocol)
	}
	if err := f.errs[addr]; err != nil {
		return err
	}
	if f.reply != nil {
		f.reply(method, req, resp)
	}
	return nil
}

func TestFailoverAndToken(t *testing.T) {
	f := &fakeNN{errs: map[string]error{
		"nn1:8020": &ipc.StandbyError{RemoteError: &ipc.RemoteError{ClassName: "org.apache.hadoop.ipc.StandbyException"}},
	}, reply: func(method string, req, resp proto.Message) {
		if method == "getDelegationToken" {
			resp.(*commonpb.GetDelegationTokenResponseProto).Token = &commonpb.TokenProto{
				Identifier: []byte{1}, Password: []byte{2}, Kind: proto.String(TokenKind), Service: proto.String(""),
			}
		}
	}}
	nn, err := New(f, []string{"nn1:8020", "nn2:8020"}, HATokenService("ns1"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := nn.GetDelegationToken(t.Context(), "rm/rm1@R")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Service != "ha-hdfs:ns1" || tok.Kind != TokenKind || strings.Join(f.seen, ",") != "nn1:8020,nn2:8020" {
		t.Errorf("token %v after %v", tok, f.seen)
	}
	if f.tok[0] != nil {
		t.Error("Kerberos client sent a token")
	}
	withTok := nn.WithToken(tok)
	if _, err := withTok.Delete(t.Context(), "/user/alice/x", true); err != nil {
		t.Fatal(err)
	}
	if last := f.tok[len(f.tok)-1]; last == nil || string(last.Identifier) != "\x01" {
		t.Errorf("WithToken did not send the token: %v", last)
	}
	// An application error does not fail over.
	f.errs["nn1:8020"] = &ipc.AccessControlError{RemoteError: &ipc.RemoteError{ClassName: "org.apache.hadoop.security.AccessControlException"}}
	f.seen = nil
	if _, err := nn.Delete(t.Context(), "/user/alice/x", true); err == nil || len(f.seen) != 1 {
		t.Errorf("err %v after %v", err, f.seen)
	}
}

func TestFileCalls(t *testing.T) {
	var got []proto.Message
	f := &fakeNN{reply: func(method string, req, resp proto.Message) {
		got = append(got, req)
		switch r := resp.(type) {
		case *hdfspb.MkdirsResponseProto:
			r.Result = proto.Bool(true)
		case *hdfspb.GetFileInfoResponseProto:
			if req.(*hdfspb.GetFileInfoRequestProto).GetSrc() == "/d" {
				r.Fs = &hdfspb.HdfsFileStatusProto{FileType: hdfspb.HdfsFileStatusProto_IS_DIR.Enum(),
					Permission: &hdfspb.FsPermissionProto{Perm: proto.Uint32(0o1777)}, Owner: proto.String("alice"),
					ModificationTime: proto.Uint64(1700000000123), ChildrenNum: proto.Int32(3)}
			}
		}
	}}
	nn, _ := New(f, []string{"nn:8020"}, "127.0.0.1:8020")
	if err := nn.Mkdirs(t.Context(), "/a/b/", 0o700, true); err != nil {
		t.Fatal(err)
	}
	m := got[0].(*hdfspb.MkdirsRequestProto)
	if m.GetSrc() != "/a/b" || m.GetMasked().GetPerm() != 0o700 || !m.GetCreateParent() {
		t.Errorf("mkdirs request %v", m)
	}
	fi, err := nn.Stat(t.Context(), "/d")
	if err != nil || !fi.Dir || fi.Perm != 0o777|fs.ModeSticky || fi.Children != 3 || fi.ModTime.UnixMilli() != 1700000000123 {
		t.Errorf("stat = %+v, %v", fi, err)
	}
	if _, err := nn.Stat(t.Context(), "/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	for _, p := range []string{"relative", ""} {
		if _, err := nn.Stat(t.Context(), p); err == nil {
			t.Errorf("Stat(%q) accepted", p)
		}
	}
	if _, err := nn.Delete(t.Context(), "//", true); err == nil {
		t.Error("deleting / accepted")
	}
	if _, err := nn.GetDelegationToken(t.Context(), ""); err == nil {
		t.Error("empty renewer accepted")
	}
}

func TestTokenService(t *testing.T) {
	for in, want := range map[string]string{"127.0.0.1:8020": "127.0.0.1:8020", "localhost:38020": "127.0.0.1:38020", "[::1]:9000": "[::1]:9000"} {
		if got, err := TokenService(t.Context(), in); err != nil || got != want {
			t.Errorf("TokenService(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := TokenService(t.Context(), "no-port"); err == nil {
		t.Error("address without port accepted")
	}
}
