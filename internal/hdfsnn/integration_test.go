//go:build integration

package hdfsnn

// Against the kerberized test cluster (profiles/kerberos); skipped unless
// SPINDLE_TEST_PRINCIPAL and KRB5_CONFIG are set:
//
//	source <(.../profiles/kerberos/env.sh)
//	go test -tags integration ./internal/hdfsnn/

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

func krbEnv(t *testing.T) (*hadoopconf.Conf, *krb.Session) {
	t.Helper()
	if os.Getenv("SPINDLE_TEST_PRINCIPAL") == "" || os.Getenv("KRB5_CONFIG") == "" {
		t.Skip("SPINDLE_TEST_PRINCIPAL/KRB5_CONFIG not set: source the kerberos profile's env.sh")
	}
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := krb.Login(ctx, krb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return conf, s
}

// kerberosIPC returns an IPC client for the cluster: Kerberos with the
// principal of the protocol's server.
func kerberosIPC(t *testing.T, conf *hadoopconf.Conf, s *krb.Session) *ipc.Client {
	c := ipc.NewClient(ipc.Config{
		DialTimeout: 15 * time.Second,
		Protection:  conf.Get(krb.KeyRPCProtection),
		Kerberos: &ipc.KerberosAuth{Session: s, ServerPrincipal: func(protocol string) string {
			if protocol == Protocol {
				return conf.Get(krb.KeyNameNodePrincipal)
			}
			return conf.Get(krb.KeyRMPrincipal)
		}},
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// TestDelegationTokenLifecycle fetches an HDFS delegation token with the
// RM as renewer over Kerberos, renews it as its owner must not (only the
// renewer may), fetches one with ourselves as renewer and renews that, then
// uses the token alone (DIGEST-MD5) for mkdirs, getFileInfo and a
// recursive delete, and finally cancels it.
func TestDelegationTokenLifecycle(t *testing.T) {
	conf, s := krbEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addrs := conf.NameNodeAddresses("")
	service, err := TokenService(ctx, addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	nn, err := New(kerberosIPC(t, conf, s), addrs, service)
	if err != nil {
		t.Fatal(err)
	}

	renewer, err := krb.TokenRenewer(ctx, conf)
	if err != nil {
		t.Fatal(err)
	}
	rmTok, err := nn.GetDelegationToken(ctx, renewer)
	if err != nil {
		t.Fatalf("getDelegationToken(renewer %s): %v", renewer, err)
	}
	id, err := ParseIdentifier(rmTok.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("token kind %s service %s owner %s renewer %s max %v", rmTok.Kind, rmTok.Service, id.Owner, id.Renewer, id.MaxDate)
	if rmTok.Kind != TokenKind || !strings.HasPrefix(id.Owner, "alice") || id.Renewer == "" || id.Renewer == renewer {
		t.Errorf("token %v identifier %+v: want kind %s, owner alice, renewer = the RM's short name", rmTok, id, TokenKind)
	}
	if os.Getenv("SPINDLE_RECORD_TOKENS") != "" {
		// The identifier (no password) for ParseIdentifier's unit test.
		if err := os.WriteFile("testdata/hdfs-dt-identifier.hex", []byte(hex.EncodeToString(rmTok.Identifier)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := nn.RenewDelegationToken(ctx, rmTok); err == nil {
		t.Errorf("alice renewed a token whose renewer is %s", id.Renewer)
	} else {
		t.Logf("renewal by a non-renewer refused as expected: %v", err)
	}

	tok, err := nn.GetDelegationToken(ctx, s.Principal())
	if err != nil {
		t.Fatal(err)
	}
	exp, err := nn.RenewDelegationToken(ctx, tok)
	if err != nil {
		t.Fatalf("renewDelegationToken: %v", err)
	}
	if !exp.After(time.Now()) {
		t.Errorf("renewed until %v", exp)
	}
	t.Logf("renewed until %v", exp)

	short, _, _ := strings.Cut(id.Owner, "@") // alice@REALM -> alice (DEFAULT auth_to_local rule)
	useToken(t, ctx, nn.WithToken(tok), short)

	if err := nn.CancelDelegationToken(ctx, tok); err != nil {
		t.Fatalf("cancelDelegationToken: %v", err)
	}
	if err := nn.CancelDelegationToken(ctx, rmTok); err != nil {
		t.Fatalf("cancelDelegationToken (RM renewer, by owner): %v", err)
	}
	// A cancelled token no longer authenticates.
	fresh := ipc.NewClient(ipc.Config{DialTimeout: 15 * time.Second, Protection: conf.Get(krb.KeyRPCProtection)})
	defer fresh.Close()
	nn2, _ := New(fresh, addrs, service)
	if _, err := nn2.WithToken(tok).Stat(ctx, "/"); err == nil {
		t.Error("a cancelled token still works")
	} else {
		t.Logf("cancelled token refused as expected: %v", err)
	}
}

// useToken does what an AM does with the token: mkdirs, stat, delete.
func useToken(t *testing.T, ctx context.Context, nn *NameNode, owner string) {
	t.Helper()
	dir := fmt.Sprintf("/user/%s/.spindle-krb-test-%d", owner, time.Now().UnixNano())
	if err := nn.Mkdirs(ctx, dir+"/a/b", 0o700, true); err != nil {
		t.Fatalf("mkdirs with the token: %v", err)
	}
	fi, err := nn.Stat(ctx, dir+"/a")
	if err != nil {
		t.Fatalf("getFileInfo with the token: %v", err)
	}
	if !fi.Dir || fi.Owner != owner || fi.Perm != 0o700 || fi.Children != 1 {
		t.Errorf("stat %s = %+v", dir+"/a", fi)
	}
	ok, err := nn.Delete(ctx, dir, true)
	if err != nil || !ok {
		t.Fatalf("delete -r with the token: %v, %v", ok, err)
	}
	if _, err := nn.Stat(ctx, dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after delete, stat = %v, want not exist", err)
	}
}

// TestRMDelegationToken fetches an RM delegation token over Kerberos and
// uses it alone (DIGEST-MD5) for getClusterMetrics.
func TestRMDelegationToken(t *testing.T) {
	conf, s := krbEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addrs, err := conf.RMAddresses()
	if err != nil {
		t.Fatal(err)
	}
	rm, err := yarn.NewResourceManager(kerberosIPC(t, conf, s), addrs)
	if err != nil {
		t.Fatal(err)
	}
	service, err := TokenService(ctx, addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	tok, err := rm.DelegationToken(ctx, s.Principal(), service)
	if err != nil {
		t.Fatalf("getDelegationToken: %v", err)
	}
	if tok.Kind != yarn.RMDelegationTokenKind {
		t.Errorf("kind %q", tok.Kind)
	}
	exp, err := rm.RenewDelegationToken(ctx, tok)
	if err != nil {
		t.Fatalf("renew: %v", err)
	}
	t.Logf("RM token service %s, renewed until %v", tok.Service, exp)
	// The token alone authenticates to the RM.
	plain := ipc.NewClient(ipc.Config{DialTimeout: 15 * time.Second, Protection: conf.Get(krb.KeyRPCProtection)})
	defer plain.Close()
	tokRM, _ := yarn.NewResourceManager(yarn.TokenCaller{Caller: plain, Token: &tok}, addrs)
	m, err := tokRM.ClusterMetrics(ctx)
	if err != nil {
		t.Fatalf("getClusterMetrics with the RM token: %v", err)
	}
	t.Logf("with the RM token: %d NodeManagers", m.GetNumNodeManagers())
	if err := rm.CancelDelegationToken(ctx, tok); err != nil {
		t.Fatalf("cancel: %v", err)
	}
}
