package container_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/am/httpapi"
	"github.com/spindle-yarn/spindle/container"
)

const sdkSecret = "sdk-test-secret"

// sdkBackend is an httpapi.Backend that records calls.
type sdkBackend struct {
	mu         sync.Mutex
	scales     []int
	heartbeats int
	finishes   []container.DriverFinish
}

func (b *sdkBackend) App() container.AppInfo {
	return container.AppInfo{ID: "application_1_0007", Name: "wordcount", Mode: "client", State: "running", TargetExecutors: 2}
}

func (b *sdkBackend) Executors() []container.ExecutorInfo {
	code := 0
	return []container.ExecutorInfo{
		{ID: "1", Host: "nm1", State: container.ExecutorRunning, ContainerID: "container_1_0007_01_000002", LogURL: "http://nm1/logs"},
		{ID: "2", Host: "nm2", State: container.ExecutorCompleted, ExitStatus: &code, FinishedAt: time.Unix(1700000000, 0)},
	}
}

func (b *sdkBackend) Scale(n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > 100 {
		return errors.New("at most 100 executors")
	}
	b.scales = append(b.scales, n)
	return nil
}

func (b *sdkBackend) DriverHeartbeat() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.heartbeats++
}

func (b *sdkBackend) DriverFinished(f container.DriverFinish) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finishes = append(b.finishes, f)
}

// newSDKTest starts a real AM HTTP API server and returns a Client for it.
func newSDKTest(t *testing.T) (*container.Client, *sdkBackend, *httpapi.Server, *httptest.Server) {
	t.Helper()
	b := &sdkBackend{}
	s, err := httpapi.New(sdkSecret, b)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.Drain()
		ts.Close()
	})
	c, err := container.Connect(container.Env{Role: container.RoleExecutor, AppID: "application_1_0007", ExecutorID: "1", AMURL: ts.URL + "/", Secret: sdkSecret})
	if err != nil {
		t.Fatal(err)
	}
	return c, b, s, ts
}

func TestClientAppAndExecutors(t *testing.T) {
	c, b, _, _ := newSDKTest(t)
	ctx := context.Background()
	app, err := c.App(ctx)
	if err != nil || app != b.App() {
		t.Errorf("App = %+v, %v", app, err)
	}
	execs, err := c.Executors(ctx)
	if err != nil || len(execs) != 2 {
		t.Fatalf("Executors = %+v, %v", execs, err)
	}
	if execs[0].ContainerID != "container_1_0007_01_000002" || execs[1].ExitStatus == nil || *execs[1].ExitStatus != 0 || !execs[1].FinishedAt.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("Executors = %+v", execs)
	}
	if c.Env().ExecutorID != "1" {
		t.Errorf("Env() = %v", c.Env())
	}
}

func TestClientKV(t *testing.T) {
	c, _, _, _ := newSDKTest(t)
	ctx := context.Background()
	if _, err := c.Get(ctx, "driver/addr"); !errors.Is(err, container.ErrNotFound) {
		t.Errorf("Get of an absent key = %v, want ErrNotFound", err)
	} else if !strings.Contains(err.Error(), "driver/addr") {
		t.Errorf("error %q does not name the key", err)
	}
	binary := []byte{0, 0xff, 0xfe, 'x'}
	for k, v := range map[string][]byte{"driver/addr": []byte("10.1.2.3:7077"), "exec/1": []byte("a"), "exec/2": binary, "empty": {}} {
		if err := c.Put(ctx, k, v); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
	}
	if v, err := c.Get(ctx, "driver/addr"); err != nil || string(v) != "10.1.2.3:7077" {
		t.Errorf("Get = %q, %v", v, err)
	}
	if v, err := c.Get(ctx, "empty"); err != nil || len(v) != 0 {
		t.Errorf("Get(empty) = %q, %v", v, err)
	}
	if v, err := c.Wait(ctx, "exec/2"); err != nil || !bytes.Equal(v, binary) {
		t.Errorf("Wait for a present key = %q, %v", v, err)
	}
	m, err := c.List(ctx, "exec/")
	if err != nil || len(m) != 2 || string(m["exec/1"]) != "a" || !bytes.Equal(m["exec/2"], binary) {
		t.Errorf("List(exec/) = %q, %v", m, err)
	}
	if m, err := c.List(ctx, ""); err != nil || len(m) != 4 {
		t.Errorf("List() = %q, %v", m, err)
	}
	if err := c.Delete(ctx, "exec/1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "exec/1"); err != nil {
		t.Errorf("second Delete = %v, want nil", err)
	}
	if _, err := c.Get(ctx, "exec/1"); !errors.Is(err, container.ErrNotFound) {
		t.Errorf("Get after Delete = %v", err)
	}
}

func TestClientRejectsBadInputBeforeSending(t *testing.T) {
	c, _, _, _ := newSDKTest(t)
	ctx := context.Background()
	if err := c.Put(ctx, "a//b", []byte("v")); err == nil || !strings.Contains(err.Error(), "invalid key") {
		t.Errorf("Put with a bad key = %v", err)
	}
	if _, err := c.Get(ctx, "../etc"); err == nil {
		t.Error("Get with a bad key succeeded")
	}
	if _, err := c.Wait(ctx, ""); err == nil {
		t.Error("Wait with an empty key succeeded")
	}
	if err := c.Delete(ctx, "a b"); err == nil {
		t.Error("Delete with a bad key succeeded")
	}
	big := make([]byte, container.MaxKVValueSize+1)
	if err := c.Put(ctx, "big", big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("Put of %d bytes = %v", len(big), err)
	}
	if err := c.Put(ctx, "max", big[:container.MaxKVValueSize]); err != nil {
		t.Errorf("Put of exactly the limit = %v", err)
	}
	if v, err := c.Get(ctx, "max"); err != nil || len(v) != container.MaxKVValueSize {
		t.Errorf("Get of a maximal value: %d bytes, %v", len(v), err)
	}
}

func TestClientWaitReturnsOnPut(t *testing.T) {
	c, _, _, ts := newSDKTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type result struct {
		v   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := c.Wait(ctx, "driver/addr")
		done <- result{v, err}
	}()
	// Give the long-poll time to start, then publish from another client.
	time.Sleep(50 * time.Millisecond)
	other, err := container.Connect(container.Env{AMURL: ts.URL, Secret: sdkSecret})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := other.Put(ctx, "driver/addr", []byte("host:9")); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil || string(r.v) != "host:9" {
			t.Errorf("Wait = %q, %v", r.v, r.err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Wait returned %v after the Put", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Wait did not return after the Put")
	}
}

func TestClientWaitHonoursContext(t *testing.T) {
	c, _, _, _ := newSDKTest(t)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Wait(ctx, "never")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Wait after cancel = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Wait took %v to notice the cancellation", d)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = c.Wait(ctx, "never")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait past the deadline = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("Wait with a 300ms deadline returned after %v", d)
	}
	if err != nil && !strings.Contains(err.Error(), "never") {
		t.Errorf("error %q does not name the key", err)
	}

	// An already-ended context fails at once.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := c.Wait(ctx, "never"); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with an ended context = %v", err)
	}
}

func TestClientWaitEndsOnShutdown(t *testing.T) {
	c, _, s, _ := newSDKTest(t)
	done := make(chan error, 1)
	go func() {
		_, err := c.Wait(context.Background(), "never")
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	s.Drain()
	select {
	case err := <-done:
		var se *container.StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("Wait during shutdown = %v, want a 503 StatusError", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not end when the server drained")
	}
}

func TestClientScaleHeartbeatFinish(t *testing.T) {
	c, b, _, _ := newSDKTest(t)
	ctx := context.Background()
	if err := c.Scale(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if err := c.Scale(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Finish(ctx, 2, "driver crashed"); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.scales) != 2 || b.scales[0] != 4 || b.scales[1] != 0 {
		t.Errorf("backend saw scales %v", b.scales)
	}
	if b.heartbeats != 1 {
		t.Errorf("backend saw %d heartbeats", b.heartbeats)
	}
	if len(b.finishes) != 1 || b.finishes[0] != (container.DriverFinish{ExitCode: 2, Diagnostics: "driver crashed"}) {
		t.Errorf("backend saw finishes %v", b.finishes)
	}
}

func TestClientErrorsCarryStatus(t *testing.T) {
	c, _, _, ts := newSDKTest(t)
	ctx := context.Background()

	err := c.Scale(ctx, -1)
	var se *container.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest || !strings.Contains(se.Message, "negative") {
		t.Fatalf("Scale(-1) = %v, want a 400 StatusError", err)
	}
	for _, want := range []string{"scaling to -1 executors", "400", "Bad Request", "negative"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := c.Scale(ctx, 101); err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "at most 100 executors") {
		t.Errorf("Scale(101) = %v, want 409 with the backend's message", err)
	}

	wrong, err := container.Connect(container.Env{AMURL: ts.URL, Secret: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]func() error{
		"App":       func() error { _, err := wrong.App(ctx); return err },
		"Executors": func() error { _, err := wrong.Executors(ctx); return err },
		"Put":       func() error { return wrong.Put(ctx, "k", []byte("v")) },
		"Get":       func() error { _, err := wrong.Get(ctx, "k"); return err },
		"Wait":      func() error { _, err := wrong.Wait(ctx, "k"); return err },
		"Delete":    func() error { return wrong.Delete(ctx, "k") },
		"List":      func() error { _, err := wrong.List(ctx, ""); return err },
		"Scale":     func() error { return wrong.Scale(ctx, 1) },
		"Heartbeat": func() error { return wrong.Heartbeat(ctx) },
		"Finish":    func() error { return wrong.Finish(ctx, 0, "") },
	}
	for name, f := range checks {
		err := f()
		if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with a wrong secret = %v, want a 401 StatusError", name, err)
			continue
		}
		if !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error %q lacks the status or the server's message", name, err)
		}
		if strings.Contains(err.Error(), sdkSecret) || strings.Contains(err.Error(), "Bearer wrong") {
			t.Errorf("%s: error %q shows a secret", name, err)
		}
	}
}

func TestClientNonAPI404IsNotErrNotFound(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "404 page not found", http.StatusNotFound)
	}))
	defer ts.Close()
	c, err := container.Connect(container.Env{AMURL: ts.URL, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(context.Background(), "k")
	if err == nil || errors.Is(err, container.ErrNotFound) || !strings.Contains(err.Error(), "404 page not found") {
		t.Errorf("Get from a non-Spindle server = %v, want a plain 404 error", err)
	}
	// Wait must not loop forever on it either.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Wait(ctx, "k"); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait on a non-Spindle server = %v, want the 404 at once", err)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var hits sync.Map
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer ts.Close()
	c, err := container.Connect(container.Env{AMURL: ts.URL, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	var se *container.StatusError
	if _, err := c.App(context.Background()); !errors.As(err, &se) || se.StatusCode != http.StatusFound {
		t.Errorf("App against a redirect = %v, want a 302 StatusError", err)
	}
	if _, ok := hits.Load("/elsewhere"); ok {
		t.Error("the client followed the redirect")
	}
}

func TestConnectAndFromEnv(t *testing.T) {
	if _, err := container.Connect(container.Env{Secret: "s"}); !errors.Is(err, container.ErrNotUnderSpindle) {
		t.Errorf("Connect without a URL = %v", err)
	}
	if _, err := container.Connect(container.Env{AMURL: "http://am:1"}); err == nil || !strings.Contains(err.Error(), container.EnvSecret) {
		t.Errorf("Connect without a secret = %v", err)
	}
	if _, err := container.Connect(container.Env{AMURL: "am:1", Secret: "s"}); err == nil {
		t.Error("Connect with a URL without scheme succeeded")
	}

	t.Setenv(container.EnvAMURL, "")
	if _, err := container.FromEnv(); !errors.Is(err, container.ErrNotUnderSpindle) {
		t.Errorf("FromEnv outside Spindle = %v", err)
	}

	_, _, _, ts := newSDKTest(t)
	t.Setenv(container.EnvRole, container.RoleDriver)
	t.Setenv(container.EnvAppID, "application_1_0007")
	t.Setenv(container.EnvAMURL, ts.URL)
	t.Setenv(container.EnvSecret, sdkSecret)
	// A proxy in the environment must not be used for the AM.
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	t.Setenv("http_proxy", "http://127.0.0.1:1")
	t.Setenv("NO_PROXY", "")
	c, err := container.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.Env().Role != container.RoleDriver {
		t.Errorf("Env() = %v", c.Env())
	}
	if err := c.Heartbeat(context.Background()); err != nil {
		t.Errorf("Heartbeat via FromEnv = %v", err)
	}
}
