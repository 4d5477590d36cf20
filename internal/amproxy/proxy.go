// Package amproxy is a local HTTP proxy to the ApplicationMaster's API that
// follows the AM when its address changes: a new AM attempt listens
// elsewhere, and the processes that talk to the API (executors kept across
// attempts, a client-mode driver) must not need restarting. They are given the
// proxy's address (127.0.0.1) as SPINDLE_AM_URL; the proxy forwards each
// request to the AM's current address and, when the AM cannot be reached,
// asks its Resolver for the new address and tries again, for up to
// Proxy.Patience, holding the request meanwhile.
package amproxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults of a Proxy.
const (
	// DefaultPatience is how long a request waits for an AM to answer:
	// long enough for YARN to start the next AM attempt.
	DefaultPatience = 5 * time.Minute
	// DefaultResolveEvery is the shortest time between two resolutions.
	DefaultResolveEvery = 2 * time.Second
	// maxBody bounds a request body (the API's values are at most 1 MiB).
	maxBody = 2 << 20
	// headerTimeout bounds the wait for an answer's headers; the API's
	// long-polls last at most 60 s.
	headerTimeout = 2 * time.Minute
)

// Resolver returns the AM's current base URL ("http://host:port"), or an
// error when it is not known yet.
type Resolver func(ctx context.Context) (string, error)

// Proxy forwards requests to the current ApplicationMaster.
type Proxy struct {
	// Patience is how long a request is retried while no AM answers.
	Patience time.Duration
	// ResolveEvery is the shortest time between two calls of the Resolver.
	ResolveEvery time.Duration
	// Logf, when set, is told when the AM's address changes.
	Logf func(format string, args ...any)

	resolve Resolver
	hc      *http.Client

	mu       sync.Mutex
	target   string
	resolved time.Time
}

// New returns a Proxy whose first target is initial. tlsConfig is used for
// https targets (the AM's pinned certificate); nil for plain HTTP.
func New(initial string, resolve Resolver, tlsConfig *tls.Config) *Proxy {
	tr := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		ResponseHeaderTimeout: headerTimeout, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second,
		TLSClientConfig: tlsConfig}
	return &Proxy{Patience: DefaultPatience, ResolveEvery: DefaultResolveEvery, resolve: resolve,
		target: strings.TrimRight(initial, "/"),
		hc:     &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Target returns the AM address requests go to now.
func (p *Proxy) Target() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.target
}

// Listen serves the proxy on 127.0.0.1 (a free port) until ctx ends, and
// returns its base URL.
func (p *Proxy) Listen(ctx context.Context) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("start the local ApplicationMaster proxy: %w", err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return "http://" + ln.Addr().String(), nil
}

// refresh asks the Resolver for the AM's address, at most every ResolveEvery.
func (p *Proxy) refresh(ctx context.Context) {
	p.mu.Lock()
	if time.Since(p.resolved) < p.ResolveEvery {
		p.mu.Unlock()
		return
	}
	p.resolved = time.Now()
	p.mu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	u, err := p.resolve(rctx)
	if err != nil || u == "" {
		return
	}
	u = strings.TrimRight(u, "/")
	p.mu.Lock()
	old := p.target
	p.target = u
	p.mu.Unlock()
	if old != u && p.Logf != nil {
		p.Logf("the ApplicationMaster moved from %s to %s", old, u)
	}
}

// ServeHTTP forwards r to the AM, retrying with a fresh address while the AM
// cannot be reached.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		http.Error(w, `{"error":"request body unreadable or larger than 2 MiB"}`, http.StatusRequestEntityTooLarge)
		return
	}
	deadline := time.Now().Add(p.Patience)
	for {
		resp, err := p.forward(r, body)
		if err == nil {
			copyResponse(w, resp)
			return
		}
		if r.Context().Err() != nil {
			return
		}
		if time.Now().After(deadline) {
			http.Error(w, fmt.Sprintf(`{"error":"no ApplicationMaster answered within %s: %s"}`, p.Patience, jsonSafe(err.Error())), http.StatusBadGateway)
			return
		}
		p.refresh(r.Context())
		t := time.NewTimer(time.Second)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// forward sends one copy of r to the current target.
func (p *Proxy) forward(r *http.Request, body []byte) (*http.Response, error) {
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.Target()+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range r.Header {
		if k == "Connection" || k == "Keep-Alive" {
			continue
		}
		out.Header[k] = vs
	}
	resp, err := p.hc.Do(out)
	if err != nil {
		return nil, err
	}
	// An AM that is shutting down answers 503 to pending waits: the next
	// attempt may answer instead.
	if resp.StatusCode == http.StatusServiceUnavailable {
		resp.Body.Close()
		return nil, errors.New("the ApplicationMaster is shutting down (503)")
	}
	return resp, nil
}

func copyResponse(w http.ResponseWriter, resp *http.Response) {
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func jsonSafe(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", " ").Replace(s)
}
