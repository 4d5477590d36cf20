package amproxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The proxy follows the AM to its new address when the old one stops answering.
func TestProxyFollowsTheAM(t *testing.T) {
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "old") }))
	var gotAuth, gotBody atomic.Value
	next := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotAuth.Store(r.Header.Get("Authorization"))
		gotBody.Store(string(b))
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "new "+r.URL.RequestURI())
	}))
	defer next.Close()
	var resolves atomic.Int32
	p := New(old.URL, func(context.Context) (string, error) {
		resolves.Add(1)
		return next.URL, nil
	}, nil)
	p.ResolveEvery = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, err := p.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if body := mustDo(t, "GET", base+"/a", ""); body != "old" {
		t.Fatalf("before the move: %q", body)
	}
	old.Close()
	req, _ := http.NewRequest("PUT", base+"/api/v1/kv/k?x=1", strings.NewReader("value"))
	req.Header.Set("Authorization", "Bearer s")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || string(b) != "new /api/v1/kv/k?x=1" {
		t.Fatalf("after the move: %d %q", resp.StatusCode, b)
	}
	if gotAuth.Load() != "Bearer s" || gotBody.Load() != "value" {
		t.Errorf("forwarded auth %v body %v", gotAuth.Load(), gotBody.Load())
	}
	if p.Target() != next.URL || resolves.Load() == 0 {
		t.Errorf("target %s after %d resolutions", p.Target(), resolves.Load())
	}
}

// With no AM anywhere, a request fails with 502 after the patience.
func TestProxyGivesUp(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	p := New(dead.URL, func(context.Context) (string, error) { return dead.URL, nil }, nil)
	p.Patience = 1500 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, err := p.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := http.Get(base + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || time.Since(start) < time.Second {
		t.Fatalf("status %d after %s; want 502 after the patience", resp.StatusCode, time.Since(start))
	}
}

func mustDo(t *testing.T, method, url, body string) string {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
