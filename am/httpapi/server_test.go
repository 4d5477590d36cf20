package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/spec"
)

const testSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// fakeBackend records what the server asks of it.
type fakeBackend struct {
	mu         sync.Mutex
	app        container.AppInfo
	execs      []container.ExecutorInfo
	scaleErr   error
	scales     []int
	heartbeats int
	finishes   []container.DriverFinish
}

func (b *fakeBackend) App() container.AppInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.app
}

func (b *fakeBackend) Executors() []container.ExecutorInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]container.ExecutorInfo(nil), b.execs...)
}

func (b *fakeBackend) Scale(n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.scaleErr != nil {
		return b.scaleErr
	}
	b.scales = append(b.scales, n)
	return nil
}

func (b *fakeBackend) DriverHeartbeat() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.heartbeats++
}

func (b *fakeBackend) DriverFinished(f container.DriverFinish) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finishes = append(b.finishes, f)
}

func newFakeBackend() *fakeBackend {
	exit := 1
	return &fakeBackend{
		app: container.AppInfo{ID: "application_1_0001", Name: "pi", Mode: "cluster", State: "running", TargetExecutors: 2},
		execs: []container.ExecutorInfo{
			{ID: "10", Host: "nm2", State: container.ExecutorFailed, ContainerID: "container_1_0001_01_000011",
				LogURL: "http://nm2:8042/node/containerlogs/container_1_0001_01_000011/alice", ExitStatus: &exit, Diagnostics: "boom"},
			{ID: "2", Host: "nm1", State: container.ExecutorRunning, ContainerID: "container_1_0001_01_000003",
				LogURL: "http://nm1:8042/node/containerlogs/container_1_0001_01_000003/alice", StartedAt: time.Unix(1700000000, 0)},
		},
	}
}

// testEnv is a server behind httptest plus its backend.
type testEnv struct {
	t       *testing.T
	srv     *Server
	backend *fakeBackend
	ts      *httptest.Server
}

func newTestEnv(t *testing.T, opts ...Option) *testEnv {
	t.Helper()
	b := newFakeBackend()
	s, err := New(testSecret, b, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.Drain()
		ts.Close()
	})
	return &testEnv{t: t, srv: s, backend: b, ts: ts}
}

// do sends a request with the right secret.
func (e *testEnv) do(method, path string, body io.Reader) (int, []byte, http.Header) {
	e.t.Helper()
	return e.doAuth(method, path, body, "Bearer "+testSecret)
}

// doAuth sends a request with the given Authorization header ("" for none).
func (e *testEnv) doAuth(method, path string, body io.Reader, auth string) (int, []byte, http.Header) {
	e.t.Helper()
	return doRequest(e.t, context.Background(), e.ts.URL, method, path, body, auth)
}

func doRequest(t *testing.T, ctx context.Context, base, method, path string, body io.Reader, auth string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, b, resp.Header
}

// errorMessage decodes a JSON error body, failing the test if it is not one.
func errorMessage(t *testing.T, body []byte) string {
	t.Helper()
	var er container.ErrorResponse
	if err := json.Unmarshal(body, &er); err != nil || er.Error == "" {
		t.Fatalf("body %q is not a JSON error", body)
	}
	return er.Error
}

// waitForWaiters polls until n keys have waiters.
func waitForWaiters(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.kv.numWaitKeys() != n {
		if time.Now().After(deadline) {
			t.Fatalf("waiters on %d keys, want %d", s.kv.numWaitKeys(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNewRejectsBadArguments(t *testing.T) {
	b := newFakeBackend()
	for name, f := range map[string]func() (*Server, error){
		"empty secret":     func() (*Server, error) { return New("", b) },
		"nil backend":      func() (*Server, error) { return New("s", nil) },
		"zero keys":        func() (*Server, error) { return New("s", b, WithMaxKeys(0)) },
		"negative bytes":   func() (*Server, error) { return New("s", b, WithMaxBytes(-1)) },
		"zero shutdown":    func() (*Server, error) { return New("s", b, WithShutdownTimeout(0)) },
		"negative timeout": func() (*Server, error) { return New("s", b, WithShutdownTimeout(-time.Second)) },
	} {
		if s, err := f(); err == nil || s != nil {
			t.Errorf("%s: New = %v, %v; want an error", name, s, err)
		}
	}
}

func TestAuthRequired(t *testing.T) {
	e := newTestEnv(t)
	endpoints := []struct{ method, path string }{
		{"GET", "/api/v1/app"},
		{"GET", "/api/v1/executors"},
		{"GET", "/api/v1/kv"},
		{"GET", "/api/v1/kv/k"},
		{"PUT", "/api/v1/kv/k"},
		{"DELETE", "/api/v1/kv/k"},
		{"POST", "/api/v1/scale"},
		{"POST", "/api/v1/driver/heartbeat"},
		{"POST", "/api/v1/driver/finish"},
		{"GET", "/api/v1/nonexistent"},
	}
	badAuth := []string{
		"",
		"Bearer",
		"Bearer ",
		"Bearer wrong",
		"Bearer " + testSecret[:len(testSecret)-1],
		"Bearer " + testSecret + "x",
		"Basic " + testSecret,
		testSecret,
	}
	for _, ep := range endpoints {
		for _, auth := range badAuth {
			status, body, h := e.doAuth(ep.method, ep.path, strings.NewReader(`{"executors":1}`), auth)
			if status != http.StatusUnauthorized {
				t.Errorf("%s %s with Authorization %q: status %d, want 401", ep.method, ep.path, auth, status)
				continue
			}
			msg := errorMessage(t, body)
			if strings.Contains(msg, testSecret) {
				t.Errorf("401 message %q contains the secret", msg)
			}
			if got := h.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate = %q", got)
			}
		}
	}
	// Nothing reached the backend or the store.
	if len(e.backend.scales) != 0 || e.backend.heartbeats != 0 || len(e.backend.finishes) != 0 {
		t.Errorf("unauthorized requests reached the backend: %+v", e.backend)
	}
	if keys, _ := e.srv.kv.counts(); keys != 0 {
		t.Errorf("unauthorized PUT stored %d keys", keys)
	}
	// The scheme is case-insensitive.
	if status, body, _ := e.doAuth("GET", "/api/v1/app", nil, "bearer "+testSecret); status != http.StatusOK {
		t.Errorf("lower-case scheme: status %d, body %s", status, body)
	}
}

func TestAppAndExecutors(t *testing.T) {
	e := newTestEnv(t)
	status, body, h := e.do("GET", "/api/v1/app", nil)
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("GET app: %d %s %s", status, h.Get("Content-Type"), body)
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "name", "state", "mode", "numExecutors"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("app JSON %s lacks %q", body, k)
		}
	}
	var app container.AppInfo
	if err := json.Unmarshal(body, &app); err != nil || app != e.backend.app {
		t.Errorf("app = %+v (%v), want %+v", app, err, e.backend.app)
	}

	status, body, _ = e.do("GET", "/api/v1/executors", nil)
	var execs []container.ExecutorInfo
	if status != http.StatusOK || json.Unmarshal(body, &execs) != nil || len(execs) != 2 {
		t.Fatalf("GET executors: %d %s", status, body)
	}
	if execs[0].ID != "10" || execs[0].ExitStatus == nil || *execs[0].ExitStatus != 1 || !execs[1].StartedAt.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("executors = %+v", execs)
	}

	e.backend.mu.Lock()
	e.backend.execs = nil
	e.backend.mu.Unlock()
	if status, body, _ = e.do("GET", "/api/v1/executors", nil); status != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("no executors: %d %s, want []", status, body)
	}
}

func TestKVPutGetDeleteList(t *testing.T) {
	e := newTestEnv(t)
	if status, body, _ := e.do("GET", "/api/v1/kv/driver/addr", nil); status != http.StatusNotFound {
		t.Fatalf("GET absent key: %d %s", status, body)
	} else if msg := errorMessage(t, body); !strings.Contains(msg, "driver/addr") {
		t.Errorf("404 message %q does not name the key", msg)
	}
	put := func(key, value string) {
		t.Helper()
		if status, body, _ := e.do("PUT", "/api/v1/kv/"+key, strings.NewReader(value)); status != http.StatusNoContent {
			t.Fatalf("PUT %s: %d %s", key, status, body)
		}
	}
	put("driver/addr", "10.0.0.1:7077")
	put("exec/1", "one")
	put("exec/2", "two")
	put("empty", "")
	put("exec/1", "uno") // overwrite

	status, body, h := e.do("GET", "/api/v1/kv/driver/addr", nil)
	if status != http.StatusOK || string(body) != "10.0.0.1:7077" || h.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("GET driver/addr: %d %q %q", status, body, h.Get("Content-Type"))
	}
	if status, body, _ := e.do("GET", "/api/v1/kv/empty", nil); status != http.StatusOK || len(body) != 0 {
		t.Errorf("GET empty: %d %q", status, body)
	}

	list := func(query string) map[string]string {
		t.Helper()
		status, body, _ := e.do("GET", "/api/v1/kv"+query, nil)
		var m map[string]string
		if status != http.StatusOK || json.Unmarshal(body, &m) != nil {
			t.Fatalf("list %s: %d %s", query, status, body)
		}
		return m
	}
	if m := list("?prefix=exec/"); len(m) != 2 || m["exec/1"] != "uno" || m["exec/2"] != "two" {
		t.Errorf("list exec/ = %v", m)
	}
	if m := list(""); len(m) != 4 {
		t.Errorf("list all = %v", m)
	}
	if m := list("?prefix=nothing"); len(m) != 0 {
		t.Errorf("list nothing = %v", m)
	}

	if status, body, _ := e.do("DELETE", "/api/v1/kv/exec/1", nil); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	if status, _, _ := e.do("DELETE", "/api/v1/kv/exec/1", nil); status != http.StatusNoContent {
		t.Errorf("second DELETE: %d, want 204", status)
	}
	if status, _, _ := e.do("GET", "/api/v1/kv/exec/1", nil); status != http.StatusNotFound {
		t.Errorf("GET deleted key: %d", status)
	}
	if m := list("?prefix=exec/"); len(m) != 1 {
		t.Errorf("list after delete = %v", m)
	}
	keys, size := e.srv.kv.counts()
	if want := int64(len("driver/addr10.0.0.1:7077") + len("exec/2two") + len("empty")); keys != 3 || size != want {
		t.Errorf("store holds %d keys, %d bytes; want 3, %d", keys, size, want)
	}
}

func TestKVListBase64(t *testing.T) {
	e := newTestEnv(t)
	value := []byte{0xff, 0x00, 'a', 0xc3}
	if status, body, _ := e.do("PUT", "/api/v1/kv/bin", bytes.NewReader(value)); status != http.StatusNoContent {
		t.Fatalf("PUT: %d %s", status, body)
	}
	status, body, _ := e.do("GET", "/api/v1/kv?encoding=base64", nil)
	var m map[string]string
	if status != http.StatusOK || json.Unmarshal(body, &m) != nil {
		t.Fatalf("list: %d %s", status, body)
	}
	if got, err := base64.StdEncoding.DecodeString(m["bin"]); err != nil || !bytes.Equal(got, value) {
		t.Errorf("base64 value = %q (%v), want %q", got, err, value)
	}
	if status, body, _ := e.do("GET", "/api/v1/kv?encoding=hex", nil); status != http.StatusBadRequest {
		t.Errorf("unknown encoding: %d %s", status, body)
	}
	if status, body, _ := e.do("GET", "/api/v1/kv?prefix="+strings.Repeat("a", container.MaxKVKeyLen+1), nil); status != http.StatusBadRequest {
		t.Errorf("long prefix: %d %s", status, body)
	}
}

func TestKVBadKeys(t *testing.T) {
	e := newTestEnv(t)
	for _, path := range []string{
		"/api/v1/kv/",
		"/api/v1/kv/a%20b",
		"/api/v1/kv/a%2F%2Fb",
		"/api/v1/kv/a/",
		"/api/v1/kv/%2E%2E",
		"/api/v1/kv/a/%2E/b",
		"/api/v1/kv/caf%C3%A9",
		"/api/v1/kv/" + strings.Repeat("k", container.MaxKVKeyLen+1),
	} {
		for _, method := range []string{"GET", "PUT", "DELETE"} {
			status, body, _ := e.do(method, path, strings.NewReader("v"))
			if status != http.StatusBadRequest {
				t.Errorf("%s %s: %d %s, want 400", method, path, status, body)
				continue
			}
			if msg := errorMessage(t, body); !strings.Contains(msg, "key") {
				t.Errorf("%s %s: message %q", method, path, msg)
			}
		}
	}
	long := strings.Repeat("k", container.MaxKVKeyLen)
	if status, body, _ := e.do("PUT", "/api/v1/kv/"+long, strings.NewReader("v")); status != http.StatusNoContent {
		t.Errorf("PUT %d-byte key: %d %s", len(long), status, body)
	}
}

// chunked hides a reader's length so that the request has no Content-Length.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestKVSizeLimits(t *testing.T) {
	e := newTestEnv(t, WithMaxKeys(3), WithMaxBytes(container.MaxKVValueSize+100))
	max := bytes.Repeat([]byte("x"), container.MaxKVValueSize)
	if status, body, _ := e.do("PUT", "/api/v1/kv/big", bytes.NewReader(max)); status != http.StatusNoContent {
		t.Fatalf("PUT of exactly %d bytes: %d %s", len(max), status, body)
	}
	tooBig := append(max, 'y')
	for name, r := range map[string]io.Reader{
		"with length":    bytes.NewReader(tooBig),
		"without length": chunked{bytes.NewReader(tooBig)},
	} {
		status, body, _ := e.do("PUT", "/api/v1/kv/toobig", r)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("PUT of %d bytes %s: %d %s, want 413", len(tooBig), name, status, body)
		} else if msg := errorMessage(t, body); !strings.Contains(msg, "1048576") {
			t.Errorf("413 message %q does not state the limit", msg)
		}
	}
	// The total byte limit: big uses most of it.
	status, body, _ := e.do("PUT", "/api/v1/kv/more", strings.NewReader(strings.Repeat("z", 200)))
	if status != http.StatusInsufficientStorage {
		t.Errorf("PUT beyond the byte limit: %d %s, want 507", status, body)
	} else if msg := errorMessage(t, body); !strings.Contains(msg, "limit") {
		t.Errorf("507 message %q", msg)
	}
	// Replacing big with something small frees the space.
	if status, body, _ := e.do("PUT", "/api/v1/kv/big", strings.NewReader("small")); status != http.StatusNoContent {
		t.Fatalf("shrinking big: %d %s", status, body)
	}
	// The key limit.
	for _, k := range []string{"a", "b"} {
		if status, body, _ := e.do("PUT", "/api/v1/kv/"+k, strings.NewReader("v")); status != http.StatusNoContent {
			t.Fatalf("PUT %s: %d %s", k, status, body)
		}
	}
	status, body, _ = e.do("PUT", "/api/v1/kv/c", strings.NewReader("v"))
	if status != http.StatusInsufficientStorage {
		t.Errorf("PUT of a 4th key with a limit of 3: %d %s, want 507", status, body)
	} else if msg := errorMessage(t, body); !strings.Contains(msg, "3 keys") {
		t.Errorf("507 message %q", msg)
	}
	// Overwriting an existing key is fine at the key limit.
	if status, body, _ := e.do("PUT", "/api/v1/kv/a", strings.NewReader("w")); status != http.StatusNoContent {
		t.Errorf("overwrite at the key limit: %d %s", status, body)
	}
}

func TestWaitReturnsOnPut(t *testing.T) {
	e := newTestEnv(t)
	type result struct {
		status  int
		body    []byte
		elapsed time.Duration
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		status, body, _ := e.do("GET", "/api/v1/kv/driver/addr?wait=30s", nil)
		done <- result{status, body, time.Since(start)}
	}()
	waitForWaiters(t, e.srv, 1)
	select {
	case r := <-done:
		t.Fatalf("wait returned before the PUT: %d %s", r.status, r.body)
	default:
	}
	if status, body, _ := e.do("PUT", "/api/v1/kv/driver/addr", strings.NewReader("host:1")); status != http.StatusNoContent {
		t.Fatalf("PUT: %d %s", status, body)
	}
	select {
	case r := <-done:
		if r.status != http.StatusOK || string(r.body) != "host:1" {
			t.Errorf("wait: %d %q", r.status, r.body)
		}
		if r.elapsed > 5*time.Second {
			t.Errorf("wait took %v, want it to return right after the PUT", r.elapsed)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("wait did not return after the PUT")
	}
	waitForWaiters(t, e.srv, 0)
}

func TestWaitManyWaiters(t *testing.T) {
	e := newTestEnv(t)
	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body, _ := e.do("GET", "/api/v1/kv/go?wait=30s", nil)
			if status != http.StatusOK || string(body) != "now" {
				errs <- fmt.Errorf("waiter %d: %d %s", i, status, body)
			}
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.srv.kv.mu.Lock()
		w := e.srv.kv.waiters["go"]
		got := 0
		if w != nil {
			got = w.n
		}
		e.srv.kv.mu.Unlock()
		if got == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
	e.do("PUT", "/api/v1/kv/go", strings.NewReader("now"))
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestWaitPresentKeyReturnsAtOnce(t *testing.T) {
	e := newTestEnv(t)
	e.do("PUT", "/api/v1/kv/k", strings.NewReader("v"))
	start := time.Now()
	status, body, _ := e.do("GET", "/api/v1/kv/k?wait=60s", nil)
	if status != http.StatusOK || string(body) != "v" || time.Since(start) > 5*time.Second {
		t.Errorf("GET present key with wait: %d %q after %v", status, body, time.Since(start))
	}
}

func TestWaitTimeout(t *testing.T) {
	e := newTestEnv(t)
	start := time.Now()
	status, body, _ := e.do("GET", "/api/v1/kv/never?wait=200ms", nil)
	elapsed := time.Since(start)
	if status != http.StatusNotFound {
		t.Fatalf("wait for absent key: %d %s, want 404", status, body)
	}
	if elapsed < 200*time.Millisecond {
		t.Errorf("wait returned after %v, before the 200ms wait", elapsed)
	}
	if msg := errorMessage(t, body); !strings.Contains(msg, "never") || !strings.Contains(msg, "200ms") {
		t.Errorf("404 message %q", msg)
	}
	waitForWaiters(t, e.srv, 0)
	for _, bad := range []string{"-1s", "soon", "-3", "NaN"} {
		if status, body, _ := e.do("GET", "/api/v1/kv/k?wait="+bad, nil); status != http.StatusBadRequest {
			t.Errorf("wait=%s: %d %s, want 400", bad, status, body)
		}
	}
}

func TestParseWait(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"":      0,
		"0":     0,
		"0s":    0,
		"30s":   30 * time.Second,
		"1.5s":  1500 * time.Millisecond,
		"2":     2 * time.Second,
		"0.25":  250 * time.Millisecond,
		"60s":   60 * time.Second,
		"5m":    container.MaxKVWait,
		"1e9":   container.MaxKVWait,
		"+Inf":  container.MaxKVWait,
		"3600":  container.MaxKVWait,
		"1h30m": container.MaxKVWait,
	} {
		if got, err := parseWait(in); err != nil || got != want {
			t.Errorf("parseWait(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-1s", "-1", "-Inf", "NaN", "x", "1x", "-1e300"} {
		if got, err := parseWait(in); err == nil {
			t.Errorf("parseWait(%q) = %v, want an error", in, got)
		}
	}
}

func TestWaitClientGoneCleansUp(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, "GET", e.ts.URL+"/api/v1/kv/k?wait=60s", nil)
		req.Header.Set("Authorization", "Bearer "+testSecret)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitForWaiters(t, e.srv, 1)
	cancel()
	<-done
	waitForWaiters(t, e.srv, 0)
}

func TestWaitEndsOnDrain(t *testing.T) {
	e := newTestEnv(t)
	done := make(chan int, 1)
	go func() {
		status, _, _ := e.do("GET", "/api/v1/kv/k?wait=60s", nil)
		done <- status
	}()
	waitForWaiters(t, e.srv, 1)
	e.srv.Drain()
	select {
	case status := <-done:
		if status != http.StatusServiceUnavailable {
			t.Errorf("drained wait: %d, want 503", status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Drain did not end the wait")
	}
	// Later waits fail at once; plain reads still work.
	start := time.Now()
	if status, _, _ := e.do("GET", "/api/v1/kv/k?wait=60s", nil); status != http.StatusServiceUnavailable || time.Since(start) > 5*time.Second {
		t.Errorf("wait after Drain: %d after %v", status, time.Since(start))
	}
	if status, _, _ := e.do("GET", "/api/v1/kv/k", nil); status != http.StatusNotFound {
		t.Errorf("GET after Drain: %d, want 404", status)
	}
	e.srv.Drain() // a second call is harmless
}

func TestServeShutdownEndsWaits(t *testing.T) {
	b := newFakeBackend()
	s, err := New(testSecret, b, WithShutdownTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	if status, body, _ := doRequest(t, context.Background(), base, "PUT", "/api/v1/kv/k", strings.NewReader("v"), "Bearer "+testSecret); status != http.StatusNoContent {
		t.Fatalf("PUT: %d %s", status, body)
	}
	waited := make(chan int, 1)
	go func() {
		status, _, _ := doRequest(t, context.Background(), base, "GET", "/api/v1/kv/other?wait=60s", nil, "Bearer "+testSecret)
		waited <- status
	}()
	waitForWaiters(t, s, 1)
	start := time.Now()
	cancel()
	select {
	case status := <-waited:
		if status != http.StatusServiceUnavailable {
			t.Errorf("wait during shutdown: %d, want 503", status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown did not end the wait")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v, want nil after a clean shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the listener is still open after Serve returned")
	}
}

func TestListenAndServe(t *testing.T) {
	s, err := New(testSecret, newFakeBackend())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.ListenAndServe(ctx, "256.0.0.1:bad"); err == nil {
		t.Error("ListenAndServe on a bad address succeeded")
	}
	// A listener that fails makes Serve return its error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := s.Serve(ctx, ln); err == nil || !strings.Contains(err.Error(), "serving AM HTTP API") {
		t.Errorf("Serve on a closed listener = %v", err)
	}
}

func TestScale(t *testing.T) {
	e := newTestEnv(t)
	status, body, _ := e.do("POST", "/api/v1/scale", strings.NewReader(`{"executors": 5}`))
	if status != http.StatusAccepted {
		t.Fatalf("scale: %d %s", status, body)
	}
	var sr container.ScaleRequest
	if err := json.Unmarshal(body, &sr); err != nil || sr.Executors != 5 {
		t.Errorf("scale answer %s", body)
	}
	if status, body, _ := e.do("POST", "/api/v1/scale", strings.NewReader(`{"executors": 0}`)); status != http.StatusAccepted {
		t.Errorf("scale to 0: %d %s", status, body)
	}
	for _, bad := range []string{
		`{"executors": -1}`,
		`{}`,
		``,
		`{"numExecutors": 3}`,
		`{"executors": "3"}`,
		`{"executors": 1.5}`,
		`{"executors": 1} {"executors": 2}`,
		`[1]`,
	} {
		status, body, _ := e.do("POST", "/api/v1/scale", strings.NewReader(bad))
		if status != http.StatusBadRequest {
			t.Errorf("scale with %q: %d %s, want 400", bad, status, body)
			continue
		}
		errorMessage(t, body)
	}
	if status, body, _ := e.do("POST", "/api/v1/scale", strings.NewReader(`{"executors": 1, "pad": "`+strings.Repeat("x", maxJSONBody)+`"}`)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("huge scale body: %d %s, want 413", status, body)
	}
	e.backend.mu.Lock()
	got := append([]int(nil), e.backend.scales...)
	e.backend.scaleErr = errors.New("the application is finishing")
	e.backend.mu.Unlock()
	if len(got) != 2 || got[0] != 5 || got[1] != 0 {
		t.Errorf("backend saw scales %v, want [5 0]", got)
	}
	status, body, _ = e.do("POST", "/api/v1/scale", strings.NewReader(`{"executors": 3}`))
	if status != http.StatusConflict || !strings.Contains(errorMessage(t, body), "the application is finishing") {
		t.Errorf("scale with a backend error: %d %s, want 409 with its message", status, body)
	}
}

func TestDriverHeartbeatAndFinish(t *testing.T) {
	e := newTestEnv(t)
	for range 3 {
		if status, body, _ := e.do("POST", "/api/v1/driver/heartbeat", nil); status != http.StatusNoContent {
			t.Fatalf("heartbeat: %d %s", status, body)
		}
	}
	if status, body, _ := e.do("POST", "/api/v1/driver/finish", strings.NewReader(`{"exitCode": 3, "diagnostics": "lost"}`)); status != http.StatusNoContent {
		t.Fatalf("finish: %d %s", status, body)
	}
	for _, bad := range []string{`{}`, `{"diagnostics": "x"}`, `{"exitCode": "1"}`, `nope`} {
		if status, body, _ := e.do("POST", "/api/v1/driver/finish", strings.NewReader(bad)); status != http.StatusBadRequest {
			t.Errorf("finish with %q: %d %s, want 400", bad, status, body)
		}
	}
	e.backend.mu.Lock()
	defer e.backend.mu.Unlock()
	if e.backend.heartbeats != 3 {
		t.Errorf("backend saw %d heartbeats, want 3", e.backend.heartbeats)
	}
	if want := []container.DriverFinish{{ExitCode: 3, Diagnostics: "lost"}}; fmt.Sprint(e.backend.finishes) != fmt.Sprint(want) {
		t.Errorf("backend saw finishes %v, want %v", e.backend.finishes, want)
	}
}

func TestMethodsAndUnknownPaths(t *testing.T) {
	e := newTestEnv(t)
	for _, c := range []struct{ method, path, allow string }{
		{"POST", "/api/v1/app", "GET"},
		{"DELETE", "/api/v1/executors", "GET"},
		{"PUT", "/api/v1/kv", "GET"},
		{"PATCH", "/api/v1/kv/k", "GET, PUT, DELETE"},
		{"GET", "/api/v1/scale", "POST"},
		{"GET", "/api/v1/driver/heartbeat", "POST"},
		{"PUT", "/api/v1/driver/finish", "POST"},
		{"POST", "/", "GET, HEAD"},
	} {
		status, body, h := e.do(c.method, c.path, nil)
		if status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d %s, want 405", c.method, c.path, status, body)
			continue
		}
		if h.Get("Allow") != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, h.Get("Allow"), c.allow)
		}
		errorMessage(t, body)
	}
	for _, p := range []string{"/api/v1/app/", "/api/v2/app", "/api/v1/kvx", "/favicon.ico"} {
		status, body, _ := e.do("GET", p, nil)
		if status != http.StatusNotFound {
			t.Errorf("GET %s: %d %s, want 404", p, status, body)
			continue
		}
		errorMessage(t, body)
	}
}

func TestStatusPage(t *testing.T) {
	e := newTestEnv(t)
	e.backend.mu.Lock()
	e.backend.app.Name = `<script>alert("x")</script>`
	e.backend.execs = append(e.backend.execs, container.ExecutorInfo{ID: "3", State: container.ExecutorStarting, LogURL: "javascript:alert(1)"})
	e.backend.mu.Unlock()
	// A secret-looking value in the store must not show up either.
	e.do("PUT", "/api/v1/kv/token", strings.NewReader("kv-secret-value"))

	status, body, h := e.doAuth("GET", "/", nil, "")
	if status != http.StatusOK {
		t.Fatalf("GET / without a secret: %d %s", status, body)
	}
	page := string(body)
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("Content-Type %q", h.Get("Content-Type"))
	}
	for _, want := range []string{
		"application_1_0001",
		"running",
		`href="http://nm2:8042/node/containerlogs/container_1_0001_01_000011/alice"`,
		"container_1_0001_01_000003",
		"&lt;script&gt;",
		"boom",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	for _, bad := range []string{testSecret, "kv-secret-value", "<script>", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("status page contains %q", bad)
		}
	}
	// Executors are listed by numeric id: 2, 3, 10.
	i2 := strings.Index(page, "<td>2</td>")
	i3 := strings.Index(page, "<td>3</td>")
	i10 := strings.Index(page, "<td>10</td>")
	if i2 < 0 || i3 < 0 || i10 < 0 || i2 > i3 || i3 > i10 {
		t.Errorf("executors out of order: positions %d %d %d", i2, i3, i10)
	}
	// With the secret it is the same page, and HEAD works.
	if status, _, _ := e.do("GET", "/", nil); status != http.StatusOK {
		t.Errorf("GET / with the secret: %d", status)
	}
	if status, body, _ := e.doAuth("HEAD", "/", nil, ""); status != http.StatusOK || len(body) != 0 {
		t.Errorf("HEAD /: %d, %d bytes", status, len(body))
	}
	// No executors.
	e.backend.mu.Lock()
	e.backend.execs = nil
	e.backend.mu.Unlock()
	if _, body, _ := e.doAuth("GET", "/", nil, ""); !strings.Contains(string(body), "No executors yet") {
		t.Errorf("empty status page: %s", body)
	}
}

func TestCompareExecutorIDs(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"2", "10", -1}, {"10", "2", 1}, {"7", "7", 0}, {"9", "x", -1}, {"x", "9", 1}, {"a", "b", -1},
	} {
		if got := compareExecutorIDs(c.a, c.b); got != c.want {
			t.Errorf("compareExecutorIDs(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestExecutorSecretRefusedOnDriverEndpoints: the executors' secret (what
// executor containers hold) reads and writes the store and the tables, but
// cannot end the application, heartbeat as the driver or scale: 403, and
// nothing reaches the backend. The driver's secret can do all of it.
func TestExecutorSecretRefusedOnDriverEndpoints(t *testing.T) {
	e := newTestEnv(t)
	executor := "Bearer " + spec.ExecutorSecret(testSecret)
	for _, ep := range []struct{ method, path, body string }{
		{"POST", "/api/v1/driver/finish", `{"exitCode":0,"diagnostics":"faked by an executor"}`},
		{"POST", "/api/v1/driver/heartbeat", ``},
		{"POST", "/api/v1/scale", `{"executors":9}`},
	} {
		status, body, _ := e.doAuth(ep.method, ep.path, strings.NewReader(ep.body), executor)
		if status != http.StatusForbidden {
			t.Errorf("%s %s with the executors' secret: %d %s, want 403", ep.method, ep.path, status, body)
			continue
		}
		if msg := errorMessage(t, body); !strings.Contains(msg, "driver only") {
			t.Errorf("%s %s: message %q", ep.method, ep.path, msg)
		}
	}
	if len(e.backend.scales) != 0 || e.backend.heartbeats != 0 || len(e.backend.finishes) != 0 {
		t.Fatalf("the executors' secret reached the driver's endpoints: %+v", e.backend)
	}
	for _, ep := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/api/v1/app", "", http.StatusOK},
		{"GET", "/api/v1/executors", "", http.StatusOK},
		{"PUT", "/api/v1/kv/driver/addr", "h:1", http.StatusNoContent},
		{"GET", "/api/v1/kv/driver/addr", "", http.StatusOK},
		{"GET", "/api/v1/kv?prefix=driver", "", http.StatusOK},
		{"DELETE", "/api/v1/kv/driver/addr", "", http.StatusNoContent},
	} {
		if status, body, _ := e.doAuth(ep.method, ep.path, strings.NewReader(ep.body), executor); status != ep.want {
			t.Errorf("%s %s with the executors' secret: %d %s, want %d", ep.method, ep.path, status, body, ep.want)
		}
	}
	// The driver's secret may do what the executors' may not.
	for _, ep := range []struct{ path, body string }{
		{"/api/v1/scale", `{"executors":2}`},
		{"/api/v1/driver/heartbeat", ``},
		{"/api/v1/driver/finish", `{"exitCode":0}`},
	} {
		if status, body, _ := e.do("POST", ep.path, strings.NewReader(ep.body)); status/100 != 2 {
			t.Errorf("POST %s with the driver's secret: %d %s", ep.path, status, body)
		}
	}
	if len(e.backend.scales) != 1 || e.backend.heartbeats != 1 || len(e.backend.finishes) != 1 {
		t.Errorf("the driver's requests did not all reach the backend: %+v", e.backend)
	}
}

func TestKVSnapshotAndRestore(t *testing.T) {
	a, err := New("s3cret", &fakeBackend{})
	if err != nil {
		t.Fatal(err)
	}
	ch := a.KVChanged()
	if err := a.kv.put("k1", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	default:
		t.Fatal("KVChanged was not closed by a put")
	}
	m, v1 := a.KVSnapshot()
	if string(m["k1"]) != "v1" || len(m) != 1 || v1 == 0 {
		t.Fatalf("KVSnapshot = %v, version %d", m, v1)
	}
	a.kv.remove("k1")
	if _, v2 := a.KVSnapshot(); v2 <= v1 {
		t.Fatalf("version did not grow on delete: %d then %d", v1, v2)
	}
	b, err := New("s3cret", &fakeBackend{}, WithMaxKeys(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.RestoreKV(m); err != nil {
		t.Fatal(err)
	}
	if v, ok := b.kv.get("k1"); !ok || string(v) != "v1" {
		t.Fatalf("restored k1 = %q, %v", v, ok)
	}
	if err := b.RestoreKV(map[string][]byte{"k2": []byte("x")}); err == nil {
		t.Fatal("RestoreKV beyond the key limit succeeded")
	}
}
