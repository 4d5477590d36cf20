//go:build integration

package ipc

// Kerberos integration tests against the kerberized test cluster
// (profiles/kerberos of the yarn-testcluster). They are skipped unless
// SPINDLE_TEST_PRINCIPAL and KRB5_CONFIG are set, as the profile's env.sh
// does:
//
//	source <(.../profiles/kerberos/env.sh)
//	go test -tags integration -run Kerberos ./internal/ipc/
//
// SPINDLE_TEST_RPC_PROTECTION (from env.sh) is the cluster's
// hadoop.rpc.protection; the tests check that it was negotiated. Set
// SPINDLE_RECORD_GSSAPI=1 to (re)record testdata/gssapi-<protection>.json
// for the hermetic replay test.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// krbTestEnv loads the kerberized cluster's configuration or skips.
func krbTestEnv(t *testing.T) *hadoopconf.Conf {
	t.Helper()
	if os.Getenv("SPINDLE_TEST_PRINCIPAL") == "" || os.Getenv("KRB5_CONFIG") == "" {
		t.Skip("SPINDLE_TEST_PRINCIPAL/KRB5_CONFIG not set: source the kerberos profile's env.sh")
	}
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatalf("load Hadoop configuration: %v", err)
	}
	if !krb.SecurityEnabled(conf) {
		t.Fatalf("HADOOP_CONF_DIR is not a kerberized configuration")
	}
	return conf
}

// krbRMAddr returns the first ResourceManager address.
func krbRMAddr(t *testing.T, conf *hadoopconf.Conf) string {
	t.Helper()
	addrs, err := conf.RMAddresses()
	if err != nil || len(addrs) == 0 {
		t.Fatalf("RM address: %v", err)
	}
	return addrs[0]
}

// krbClient returns an IPC client authenticating with s to the cluster of
// conf, with conf's hadoop.rpc.protection.
func krbClient(t *testing.T, conf *hadoopconf.Conf, s KerberosSession, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		DialTimeout: 15 * time.Second,
		Protection:  conf.Get(krb.KeyRPCProtection),
		Kerberos: &KerberosAuth{Session: s, ServerPrincipal: func(string) string {
			return conf.Get(krb.KeyRMPrincipal)
		}},
	}
	if mod != nil {
		mod(&cfg)
	}
	c := NewClient(cfg)
	t.Cleanup(func() { c.Close() })
	return c
}

// wantQOP is the qop the cluster's protection negotiates.
func wantQOP() string {
	switch os.Getenv("SPINDLE_TEST_RPC_PROTECTION") {
	case "integrity":
		return "auth-int"
	case "privacy":
		return "auth-conf"
	}
	return "auth"
}

// metricsAndQueue calls getClusterMetrics and getQueueInfo over c.
func metricsAndQueue(t *testing.T, ctx context.Context, c *Client, addr string) {
	t.Helper()
	var m yarnpb.GetClusterMetricsResponseProto
	if err := c.Call(ctx, addr, clientProtocolPB, "getClusterMetrics", nil, &yarnpb.GetClusterMetricsRequestProto{}, &m); err != nil {
		t.Fatalf("getClusterMetrics: %v", err)
	}
	if m.GetClusterMetrics().GetNumNodeManagers() < 1 {
		t.Errorf("getClusterMetrics: %d NodeManagers, want >= 1", m.GetClusterMetrics().GetNumNodeManagers())
	}
	var q yarnpb.GetQueueInfoResponseProto
	qreq := &yarnpb.GetQueueInfoRequestProto{QueueName: strPtr("default")}
	if err := c.Call(ctx, addr, clientProtocolPB, "getQueueInfo", nil, qreq, &q); err != nil {
		t.Fatalf("getQueueInfo: %v", err)
	}
	if q.GetQueueInfo().GetQueueName() != "default" {
		t.Errorf("getQueueInfo: queue %q", q.GetQueueInfo().GetQueueName())
	}
	t.Logf("%d NodeManagers, queue %s %v, qop %s", m.GetClusterMetrics().GetNumNodeManagers(),
		q.GetQueueInfo().GetQueueName(), q.GetQueueInfo().GetState(), negotiatedQOP(c))
	if got := negotiatedQOP(c); got != wantQOP() {
		t.Errorf("negotiated qop %q, want %q", got, wantQOP())
	}
}

func strPtr(s string) *string { return &s }

func TestKerberosTicketCache(t *testing.T) {
	conf := krbTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := krb.Login(ctx, krb.Options{})
	if err != nil {
		t.Fatalf("login from the ticket cache: %v", err)
	}
	if s.Principal() != os.Getenv("SPINDLE_TEST_PRINCIPAL") {
		t.Errorf("principal %q, want %q", s.Principal(), os.Getenv("SPINDLE_TEST_PRINCIPAL"))
	}
	addr := krbRMAddr(t, conf)
	var rec *gssRecorder
	c := krbClient(t, conf, s, func(cfg *Config) {
		if os.Getenv("SPINDLE_RECORD_GSSAPI") != "" {
			rec = newGSSRecorder(s, cfg)
		}
	})
	metricsAndQueue(t, ctx, c, addr)
	if rec != nil {
		p := filepath.Join("testdata", "gssapi-"+os.Getenv("SPINDLE_TEST_RPC_PROTECTION")+".json")
		if err := rec.save(p, conf.Get(krb.KeyRPCProtection)); err != nil {
			t.Fatal(err)
		}
		t.Logf("recorded %s", p)
	}
}

func TestKerberosKeytabWithoutCache(t *testing.T) {
	conf := krbTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "no-such-cache"))
	s, err := krb.Login(ctx, krb.Options{Principal: os.Getenv("SPINDLE_TEST_PRINCIPAL"), Keytab: os.Getenv("SPINDLE_TEST_KEYTAB")})
	if err != nil {
		t.Fatalf("login from the keytab: %v", err)
	}
	if !s.FromKeytab() {
		t.Error("FromKeytab() = false")
	}
	metricsAndQueue(t, ctx, krbClient(t, conf, s, nil), krbRMAddr(t, conf))
}

func TestKerberosWrongServerPrincipal(t *testing.T) {
	conf := krbTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := krb.Login(ctx, krb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := krbClient(t, conf, s, func(cfg *Config) {
		cfg.Kerberos.ServerPrincipal = func(string) string { return conf.Get(krb.KeyNameNodePrincipal) }
	})
	err = c.Call(ctx, krbRMAddr(t, conf), clientProtocolPB, "getClusterMetrics", nil, &yarnpb.GetClusterMetricsRequestProto{}, &yarnpb.GetClusterMetricsResponseProto{})
	var ke *krb.Error
	if !errors.As(err, &ke) || ke.Kind != krb.KindServerPrincipal {
		t.Fatalf("error %v, want a server-principal *krb.Error", err)
	}
	t.Logf("as expected: %v", ke)
}

func TestKerberosClockSkew(t *testing.T) {
	conf := krbTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := krb.Login(ctx, krb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := krbClient(t, conf, s, func(cfg *Config) {
		cfg.kerberosClock = func() time.Time { return time.Now().Add(-time.Hour) }
	})
	err = c.Call(ctx, krbRMAddr(t, conf), clientProtocolPB, "getClusterMetrics", nil, &yarnpb.GetClusterMetricsRequestProto{}, &yarnpb.GetClusterMetricsResponseProto{})
	// Hadoop servers answer every GSS failure with "GSS initiate failed",
	// so the client reports a rejection whose fix names the clock.
	var ke *krb.Error
	if !errors.As(err, &ke) || ke.Kind != krb.KindRejected || !strings.Contains(ke.Msg, "clock") {
		t.Fatalf("error %v, want a rejected *krb.Error naming the clock", err)
	}
	var re *RemoteError
	if !errors.As(err, &re) {
		t.Errorf("the server's exception is not in the chain: %v", err)
	}
	t.Logf("as expected: %v", err)
}

// TestKerberosNoCommonProtection offers only authentication to a cluster
// that requires more (skipped when the cluster runs with authentication).
func TestKerberosNoCommonProtection(t *testing.T) {
	conf := krbTestEnv(t)
	if wantQOP() == "auth" {
		t.Skip("the cluster accepts authentication")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := krb.Login(ctx, krb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := krbClient(t, conf, s, func(cfg *Config) { cfg.Protection = "authentication" })
	err = c.Call(ctx, krbRMAddr(t, conf), clientProtocolPB, "getClusterMetrics", nil, &yarnpb.GetClusterMetricsRequestProto{}, &yarnpb.GetClusterMetricsResponseProto{})
	if err == nil || !strings.Contains(err.Error(), "no common protection layer") {
		t.Fatalf("error %v, want no common protection layer", err)
	}
	t.Logf("as expected: %v", err)
}

// TestKerberosProxyUserRefused asks to act as another user without the
// cluster allowing alice to impersonate (no hadoop.proxyuser.* settings on
// the test cluster): the RM refuses with an AuthorizationException.
func TestKerberosProxyUserRefused(t *testing.T) {
	conf := krbTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := krb.Login(ctx, krb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := krbClient(t, conf, s, func(cfg *Config) { cfg.ProxyUser = "bob" })
	err = c.Call(ctx, krbRMAddr(t, conf), clientProtocolPB, "getClusterMetrics", nil, &yarnpb.GetClusterMetricsRequestProto{}, &yarnpb.GetClusterMetricsResponseProto{})
	var ae *AuthorizationError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "impersonate") {
		t.Fatalf("error %v, want an AuthorizationError about impersonation", err)
	}
	t.Logf("as expected: %v", err)
}
