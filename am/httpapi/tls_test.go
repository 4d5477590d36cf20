package httpapi

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/amtls"
)

// tlsServer serves a Server with ServeTLS on 127.0.0.1 and returns its
// address, the backend, the pin, and a channel with ServeTLS's result once
// stop is called.
func tlsServer(t *testing.T) (addr string, b *fakeBackend, pin string, stop func() error) {
	t.Helper()
	b = newFakeBackend()
	s, err := New(testSecret, b)
	if err != nil {
		t.Fatal(err)
	}
	id, err := amtls.New("application_1_0001", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := id.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeTLS(ctx, ln, cert) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			return errors.New("ServeTLS did not return")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return ln.Addr().String(), b, id.Pin(), stop
}

func pinnedClient(t *testing.T, pin string) *http.Client {
	t.Helper()
	cfg, err := container.PinnedTLSConfig(pin)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
}

func get(t *testing.T, hc *http.Client, url, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServeTLSServesTheAPIOverTLS(t *testing.T) {
	addr, _, pin, stop := tlsServer(t)
	hc := pinnedClient(t, pin)
	code, body := get(t, hc, "https://"+addr+"/api/v1/app", "Bearer "+testSecret)
	if code != http.StatusOK || !strings.Contains(body, `"application_1_0001"`) {
		t.Errorf("GET /api/v1/app over TLS = %d %s", code, body)
	}
	if code, _ := get(t, hc, "https://"+addr+"/api/v1/app", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/app over TLS without a secret = %d, want 401", code)
	}
	if code, body := get(t, hc, "https://"+addr+"/", ""); code != http.StatusOK || !strings.Contains(body, "<html") {
		t.Errorf("GET / over TLS = %d", code)
	}
	if err := stop(); err != nil {
		t.Errorf("ServeTLS after its context ended: %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the port still accepts connections after ServeTLS returned")
	}
}

func TestServeTLSPlainHTTPServesOnlyTheStatusPage(t *testing.T) {
	addr, _, _, _ := tlsServer(t)
	plain := &http.Client{Timeout: 10 * time.Second}
	code, body := get(t, plain, "http://"+addr+"/", "")
	if code != http.StatusOK || !strings.Contains(body, "application_1_0001") {
		t.Errorf("plain GET / = %d, want the status page", code)
	}
	for _, path := range []string{"/api/v1/app", "/api/v1/kv/k", "/nope"} {
		code, body := get(t, plain, "http://"+addr+path, "Bearer "+testSecret)
		if code != http.StatusBadRequest || !strings.Contains(body, "https only") {
			t.Errorf("plain GET %s = %d %s, want 400 naming https", path, code, body)
		}
	}
	req, _ := http.NewRequest(http.MethodPut, "http://"+addr+"/api/v1/kv/k", strings.NewReader("v"))
	req.Header.Set("Authorization", "Bearer "+testSecret)
	resp, err := plain.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain PUT = %d, want 400", resp.StatusCode)
	}
}

func TestServeTLSRefusesAnUnpinnedClient(t *testing.T) {
	addr, _, _, _ := tlsServer(t)
	// A client that verifies certificates the usual way refuses the self-signed one.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}}}
	if resp, err := hc.Get("https://" + addr + "/"); err == nil {
		resp.Body.Close()
		t.Error("a client verifying PKIX chains accepted the self-signed certificate")
	}
}

func TestSplitListenerClosesSilentConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := newSplitListener(ln, 100*time.Millisecond)
	go s.run()
	defer s.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		t.Errorf("a connection that sent nothing was not closed by the server: %v", err)
	}
	// A plain request is routed to the plain side with its first byte intact.
	go func() {
		c2, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			_, _ = c2.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
			time.Sleep(time.Second)
			c2.Close()
		}
	}()
	got, err := s.plain.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	buf := make([]byte, 5)
	if _, err := io.ReadFull(got, buf); err != nil || string(buf) != "GET /" {
		t.Errorf("plain side read %q, %v; want \"GET /\"", buf, err)
	}
	s.Close()
	if _, err := s.tls.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, want net.ErrClosed", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
