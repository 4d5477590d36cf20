package am

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/amtls"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// amCredsWithTLS are an AM's credentials as the client ships them.
func amCredsWithTLS(t *testing.T) (*creds.Credentials, *amtls.Identity) {
	t.Helper()
	id, err := amtls.New("application_1_0001", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := &creds.Credentials{}
	c.AddSecret(spec.SecretAlias, []byte("app-secret"))
	id.AddTo(c)
	return c, id
}

func TestNewAPITransport(t *testing.T) {
	c, id := amCredsWithTLS(t)
	tr, err := newAPITransport(&spec.App{ID: "a", AMPort: "40000-40100"}, c)
	if err != nil {
		t.Fatal(err)
	}
	if tr.ports.Lo != 40000 || tr.ports.Hi != 40100 || tr.cert == nil || tr.pin != id.Pin() || tr.scheme() != "https" {
		t.Errorf("transport = ports %v, cert %v, pin %q, scheme %s", tr.ports, tr.cert != nil, tr.pin, tr.scheme())
	}
	if got := tr.trackingURL("nm1:40000"); got != "http://nm1:40000/" {
		t.Errorf("tracking URL %q, want the plain-HTTP status page", got)
	}
	if _, err := newAPITransport(&spec.App{ID: "a"}, &creds.Credentials{}); !errors.Is(err, amtls.ErrNoIdentity) {
		t.Errorf("credentials without a TLS identity: %v, want ErrNoIdentity (no silent plain HTTP)", err)
	}
	if _, err := newAPITransport(&spec.App{ID: "a", AMPort: "9-1"}, c); err == nil || !strings.Contains(err.Error(), "spindle.am.port") {
		t.Errorf("bad port range: %v", err)
	}
	if (apiTransport{}).scheme() != "http" {
		t.Error("local mode's transport is not plain HTTP")
	}
}

// TestExecutorCredentialsWithoutTLSKey: the AM's private key never reaches an executor.
func TestExecutorCredentialsWithoutTLSKey(t *testing.T) {
	am, _ := amCredsWithTLS(t)
	b, err := executorCredentials(am, "app-secret")
	if err != nil {
		t.Fatal(err)
	}
	got, err := creds.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, alias := range []string{spec.AMTLSKeyAlias, spec.AMTLSCertAlias} {
		if _, ok := got.Secret(alias); ok {
			t.Errorf("executors get %q", alias)
		}
	}
	if _, err := amtls.FromCredentials(am); err != nil {
		t.Errorf("executorCredentials changed the AM's own credentials: %v", err)
	}
}

// TestServeAPIOverTLSInRange: the API listens on the first free port of the
// range, over TLS; executors and the driver get the pin.
func TestServeAPIOverTLSInRange(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	lo := held.Addr().(*net.TCPAddr).Port
	hi := min(lo+10, 65535)
	c, id := amCredsWithTLS(t)
	app := &spec.App{ID: "application_1_0001", Mode: spec.ModeCluster, AMPort: strconv.Itoa(lo) + "-" + strconv.Itoa(hi)}
	m, _ := testMaster(app, 1)
	if m.transport, err = newAPITransport(app, c); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	if m.amURL, err = m.serveAPI(ctx, &wg); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(m.amURL)
	if err != nil || u.Scheme != "https" {
		t.Fatalf("API URL %q, want https", m.amURL)
	}
	if p, _ := strconv.Atoi(u.Port()); p <= lo || p > hi {
		t.Errorf("API on port %d, want one of %d-%d (%d is held)", p, lo+1, hi, lo)
	}
	sdk, err := container.Connect(container.Env{Role: container.RoleDriver, AppID: app.ID, AMURL: m.amURL,
		Secret: m.secret, AMPubKeySHA256: id.Pin()})
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	if info, err := sdk.App(rctx); err != nil || info.ID != app.ID {
		t.Errorf("App() over TLS = %+v, %v", info, err)
	}
	clc, err := m.executorLaunchContext(m.pool.Assign("c1", "n:1", "h", ""))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range clc.GetEnvironment() {
		env[kv.GetKey()] = kv.GetValue()
	}
	if env[container.EnvAMPubKeySHA256] != id.Pin() || env[container.EnvAMURL] != m.amURL {
		t.Errorf("executor env: %s=%q %s=%q", container.EnvAMPubKeySHA256, env[container.EnvAMPubKeySHA256], container.EnvAMURL, env[container.EnvAMURL])
	}
}
