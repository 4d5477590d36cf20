//go:build integration

package main

// End-to-end tests of the AM API's transport on the real cluster: the API
// over TLS with the per-application certificate pinned (cluster mode, client
// mode, the shell), plain HTTP and other certificates refused, the status
// page through the ResourceManager's web proxy, and spindle.am.port.
//
//	go test -tags integration -run E2ETLS -v ./cmd/spindle/

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/amtls"
)

var tlsProbe struct {
	once sync.Once
	path string
	err  error
}

// tlsProbeBin builds testdata/e2e/tlsprobe once.
func tlsProbeBin(t *testing.T) string {
	t.Helper()
	tlsProbe.once.Do(func() {
		tlsProbe.path = filepath.Join(e2e.dir, "bin", "tlsprobe")
		tlsProbe.err = goBuild(tlsProbe.path, "../../testdata/e2e/tlsprobe")
	})
	if tlsProbe.err != nil {
		t.Fatalf("build tlsprobe: %v", tlsProbe.err)
	}
	return tlsProbe.path
}

var (
	probeURLRE     = regexp.MustCompile(`tlsprobe: AM API (\S+) pin (\S*)`)
	probeReachedRE = regexp.MustCompile(`tlsprobe: (\d+) executors reached the AM`)
)

func TestE2ETLSClusterMode(t *testing.T) { testE2ETLS(t, "cluster") }
func TestE2ETLSClientMode(t *testing.T)  { testE2ETLS(t, "client") }

// testE2ETLS runs tlsprobe with two executors in mode, with spindle.am.port a
// range whose first port the test holds, and probes the AM while it runs.
func testE2ETLS(t *testing.T, mode string) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	lo, hi := busyPortRange(t, 20)

	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", mode, "--num-executors", "2",
		"--conf", "spindle.am.port=" + strconv.Itoa(lo) + "-" + strconv.Itoa(hi)}, e2eSizes...)
	p := startSpindle(t, nil, append(args, tlsProbeBin(t), "40s")...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	driverOut := func() string { return p.stdout() }
	if mode == "cluster" {
		driverOut = func() string { return amLogIfAny(a.str, "stdout") }
	}
	m := waitText(t, ctx, driverOut, probeURLRE)
	amURL, pin := m[1], m[2]
	waitText(t, ctx, driverOut, probeReachedRE) // the driver and both executors used the API over TLS
	r := waitState(t, ctx, cl, a, "RUNNING")
	t.Logf("%s: AM API %s (pin %s), rpc port %d, tracking URL %s", mode, amURL, pin, r.AMPort, r.TrackingURL)

	if int(r.AMPort) <= lo || int(r.AMPort) > hi {
		t.Errorf("the AM's rpc port %d is not in %d-%d after the held port %d", r.AMPort, lo+1, hi, lo)
	}
	hostPort := net.JoinHostPort(r.AMHost, strconv.Itoa(int(r.AMPort)))
	checkProxyStatusPage(t, ctx, r, a.str)
	checkPlainHTTPRefused(t, ctx, hostPort)
	if mode == "client" {
		// The client-mode driver reaches the AM through spindle's local proxy
		// (it follows the AM across attempts), which pins the AM's key.
		if !strings.HasPrefix(amURL, "http://127.0.0.1:") || pin != "" {
			t.Errorf("the client-mode driver's SPINDLE_AM_URL is %s (pin %q), want spindle's local proxy", amURL, pin)
		}
	} else {
		if !strings.HasPrefix(amURL, "https://") {
			t.Errorf("the driver's SPINDLE_AM_URL is %s, want https", amURL)
		}
		if u, err := url.Parse(amURL); err != nil || u.Port() != strconv.Itoa(int(r.AMPort)) {
			t.Errorf("SPINDLE_AM_URL %s does not use the registered rpc port %d", amURL, r.AMPort)
		}
		checkPinning(t, ctx, a.str, "https://"+hostPort, pin)
		checkReadmeCurl(t, ctx, "https://"+hostPort, pin)
	}

	if code := p.wait(t, ctx); code != 0 {
		t.Fatalf("spindle exited %d, want 0", code)
	}
	if r := waitTerminal(t, ctx, cl, a); !r.Succeeded() {
		t.Errorf("report: %s/%s (%s), want FINISHED/SUCCEEDED", r.State, r.FinalStatus, r.Diagnostics)
	}
	checkNoStaging(t, a.str, 20*time.Second)
}

// busyPortRange returns a range of n+1 ports on 127.0.0.1 (the test cluster's
// one node) whose first port this test listens on until it ends.
func busyPortRange(t *testing.T, n int) (lo, hi int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	lo = ln.Addr().(*net.TCPAddr).Port
	return lo, min(lo+n, 65535)
}

// checkProxyStatusPage fetches the tracking URL, the ResourceManager's web
// proxy, which fetches the AM's status page over plain HTTP.
func checkProxyStatusPage(t *testing.T, ctx context.Context, r *client.Report, id string) {
	t.Helper()
	if !strings.Contains(r.TrackingURL, "/proxy/"+id) {
		t.Errorf("tracking URL %q is not the ResourceManager's proxy", r.TrackingURL)
		return
	}
	code, body := httpGet(t, ctx, http.DefaultClient, r.TrackingURL, "")
	if code != http.StatusOK || !strings.Contains(body, id) || !strings.Contains(body, "Executors") {
		t.Errorf("GET %s (the RM proxy) = %d, want 200 with the status page:\n%.600s", r.TrackingURL, code, body)
	}
	t.Logf("GET %s: %d, %d bytes of status page", r.TrackingURL, code, len(body))
}

// checkPlainHTTPRefused sends an authorized-looking API request over plain HTTP.
func checkPlainHTTPRefused(t *testing.T, ctx context.Context, hostPort string) {
	t.Helper()
	code, body := httpGet(t, ctx, http.DefaultClient, "http://"+hostPort+"/api/v1/app", "Bearer not-the-secret")
	if code != http.StatusBadRequest || !strings.Contains(body, "https only") {
		t.Errorf("plain HTTP GET /api/v1/app = %d %q, want 400 naming https", code, body)
	}
	t.Logf("plain HTTP GET /api/v1/app: %d %s", code, strings.TrimSpace(body))
}

// checkPinning talks TLS to the AM pinning another certificate (refused in
// the handshake) and its own (the handshake succeeds; a wrong secret gets 401).
func checkPinning(t *testing.T, ctx context.Context, id, amURL, pin string) {
	t.Helper()
	other, err := amtls.New(id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	env := container.Env{Role: container.RoleDriver, AppID: id, AMURL: amURL, Secret: "not-the-secret"}
	env.AMPubKeySHA256 = other.Pin()
	_, err = mustConnect(t, env).App(ctx)
	var pe *container.PinError
	if !errors.As(err, &pe) {
		t.Errorf("App() pinning another certificate = %v, want a PinError", err)
	}
	t.Logf("pinning another certificate: %v", err)
	env.AMPubKeySHA256 = pin
	_, err = mustConnect(t, env).App(ctx)
	var se *container.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized {
		t.Errorf("App() with the right pin and a wrong secret = %v, want 401 over TLS", err)
	}
}

// readmeCurl is the curl function of README's API section.
const readmeCurl = `am() { curl -sS ${SPINDLE_AM_PUBKEY_SHA256:+-k --pinnedpubkey sha256//$SPINDLE_AM_PUBKEY_SHA256} \
         -H "Authorization: Bearer $SPINDLE_SECRET" "$@"; }
`

// checkReadmeCurl runs README's curl usage against the AM (skipped without
// curl): with the pin it gets through TLS to the API (a wrong secret: 401),
// with another pin curl refuses the AM (exit code 90).
func checkReadmeCurl(t *testing.T, ctx context.Context, amURL, pin string) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Log("curl is not installed: README's curl usage not checked")
		return
	}
	other, err := amtls.New("other", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pin      string
		wantOut  string
		wantCode int
	}{{pin, "401", 0}, {other.Pin(), "", 90}} {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		cmd := exec.CommandContext(cctx, "bash", "-c", readmeCurl+`am -o /dev/null -w '%{http_code}' "$SPINDLE_AM_URL/api/v1/app"`)
		cmd.Env = append(os.Environ(), "SPINDLE_AM_URL="+amURL, "SPINDLE_AM_PUBKEY_SHA256="+c.pin, "SPINDLE_SECRET=not-the-secret")
		out, err := cmd.Output()
		cancel()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("README's curl: %v", err)
		}
		if code != c.wantCode || (c.wantOut != "" && string(out) != c.wantOut) {
			t.Errorf("README's curl with pin %s: exit %d, %q; want exit %d, %q", c.pin, code, out, c.wantCode, c.wantOut)
		}
		t.Logf("README's curl with pin %s: exit %d, HTTP %q", c.pin, code, out)
	}
}

func mustConnect(t *testing.T, env container.Env) *container.Client {
	t.Helper()
	c, err := container.Connect(env)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// httpGet returns the status and body of GET u (auth: the Authorization header, if any).
func httpGet(t *testing.T, ctx context.Context, hc *http.Client, u, auth string) (int, string) {
	t.Helper()
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Errorf("GET %s: %v", u, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}

// amLogIfAny is amLog that returns "" while the log does not exist yet.
func amLogIfAny(id, file string) string {
	matches, _ := filepath.Glob(filepath.Join(e2eNMLogDir, id, "container_*_01_000001", file))
	if len(matches) == 0 {
		return ""
	}
	b, _ := os.ReadFile(matches[0])
	return string(b)
}

// waitText polls text() until re matches it.
func waitText(t *testing.T, ctx context.Context, text func() string, re *regexp.Regexp) []string {
	t.Helper()
	for {
		if m := re.FindStringSubmatch(text()); m != nil {
			return m
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no %q in time; so far:\n%s", re, text())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestE2ETLSShell: a shell session (client mode, the agent as executors)
// works with the API over TLS.
func TestE2ETLSShell(t *testing.T) {
	needCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e2e.spindle, "shell", "--master", "yarn", "--num-executors", "1", "--executor-memory", "128m")
	cmd.Stdin = strings.NewReader("echo tls-shell-$((6*7))\n:executors\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("spindle shell: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "tls-shell-42") {
		t.Errorf("the executor's answer is missing:\n%s", out)
	}
	t.Logf("spindle shell:\n%s", out)
}
