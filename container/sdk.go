package container

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
	"net/url"
	"strings"
	"time"
)

// DefaultRequestTimeout bounds every request a Client makes, on top of the
// caller's context. Long-polls get their wait time on top of it.
const DefaultRequestTimeout = 30 * time.Second

// Response size limits of the Client, in bytes.
const (
	sdkMaxJSONResponse  = 32 << 20
	sdkMaxListResponse  = 256 << 20
	sdkMaxErrorResponse = 64 << 10
)

// ErrNotFound is returned, wrapped, by Client.Get when the key is absent.
var ErrNotFound = errors.New("key not found")

// StatusError is an answer from the ApplicationMaster other than success.
// Client methods return it wrapped; use errors.As to inspect it.
type StatusError struct {
	// Method and Path are the request's method and URL path.
	Method, Path string
	// StatusCode is the HTTP status code, e.g. 413.
	StatusCode int
	// Message is the server's explanation: the "error" of its JSON body, or
	// the start of the body if it was not JSON.
	Message string
	// fromAPI is set when the body was a JSON error of the AM HTTP API, so
	// that a 404 can be trusted to mean "no such key".
	fromAPI bool
	// stop is set when the answer carried HeaderStop: the AM asks the
	// executor to stop.
	stop bool
}

// Error returns e.g. "ApplicationMaster answered PUT /api/v1/kv/k with 413
// Request Entity Too Large: value ... is larger than ...".
func (e *StatusError) Error() string {
	s := fmt.Sprintf("ApplicationMaster answered %s %s with %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Client talks to the ApplicationMaster's HTTP API on behalf of a driver or
// an executor. Its methods are safe for concurrent use.
type Client struct {
	env     Env
	base    string // AMURL without a trailing slash
	auth    string // Authorization header value
	hc      *http.Client
	timeout time.Duration
}

// FromEnv connects to the ApplicationMaster named by the process's Spindle
// environment (see CurrentEnv). Outside Spindle it fails with an error
// wrapping ErrNotUnderSpindle.
func FromEnv() (*Client, error) {
	env, err := CurrentEnv()
	if err != nil {
		return nil, err
	}
	return Connect(env)
}

// Connect returns a Client for the ApplicationMaster at env.AMURL that
// authenticates with env.Secret; the other fields of env are only kept for
// Env. It makes no request. The Client never uses HTTP proxies from the
// environment and does not follow redirects. When env.AMURL is https it
// accepts only the server whose certificate has the public key pinned by
// env.AMPubKeySHA256 (see PinnedTLSConfig), and with a pin it refuses a plain
// http URL.
func Connect(env Env) (*Client, error) {
	if env.AMURL == "" {
		return nil, ErrNotUnderSpindle
	}
	if err := checkAMURL(env.AMURL); err != nil {
		return nil, err
	}
	if err := env.checkTransport(); err != nil {
		return nil, err
	}
	if env.Secret == "" {
		return nil, fmt.Errorf("connecting to the ApplicationMaster: no secret (%s is not set)", EnvSecret)
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 nil, // the AM is inside the cluster; never go through a proxy
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if env.AMPubKeySHA256 != "" {
		cfg, err := PinnedTLSConfig(env.AMPubKeySHA256)
		if err != nil {
			return nil, err
		}
		transport.TLSClientConfig = cfg
	}
	return &Client{
		env:  env,
		base: strings.TrimRight(env.AMURL, "/"),
		auth: "Bearer " + env.Secret,
		hc: &http.Client{
			Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		timeout: DefaultRequestTimeout,
	}, nil
}

// Env returns the environment the Client was created from.
func (c *Client) Env() Env {
	return c.env
}

// App returns the application's status.
func (c *Client) App(ctx context.Context) (AppInfo, error) {
	var info AppInfo
	if err := c.getJSON(ctx, "/api/v1/app", nil, &info); err != nil {
		return AppInfo{}, fmt.Errorf("spindle: getting application status: %w", err)
	}
	return info, nil
}

// Executors returns the status of every executor so far.
func (c *Client) Executors(ctx context.Context) ([]ExecutorInfo, error) {
	var execs []ExecutorInfo
	if err := c.getJSON(ctx, "/api/v1/executors", nil, &execs); err != nil {
		return nil, fmt.Errorf("spindle: listing executors: %w", err)
	}
	return execs, nil
}

// Put stores value under key in the ApplicationMaster's key-value store,
// replacing any previous value and waking everyone waiting for key. See
// ValidateKVKey for what keys may look like; values are at most
// MaxKVValueSize bytes.
func (c *Client) Put(ctx context.Context, key string, value []byte) error {
	if err := ValidateKVKey(key); err != nil {
		return fmt.Errorf("spindle: storing key: %w", err)
	}
	if len(value) > MaxKVValueSize {
		return fmt.Errorf("spindle: storing key %q: value is %d bytes, the limit is %d", key, len(value), MaxKVValueSize)
	}
	_, err := c.do(ctx, http.MethodPut, kvKeyPath(key), nil, value, "application/octet-stream", c.timeout, 0)
	if err != nil {
		return fmt.Errorf("spindle: storing key %q: %w", key, err)
	}
	return nil
}

// Get returns the value of key, or an error wrapping ErrNotFound if there
// is none.
func (c *Client) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ValidateKVKey(key); err != nil {
		return nil, fmt.Errorf("spindle: getting key: %w", err)
	}
	v, err := c.getValue(ctx, key, 0)
	if err != nil {
		return nil, fmt.Errorf("spindle: getting key %q: %w", key, err)
	}
	return v, nil
}

// Wait returns the value of key as soon as someone has stored it, waiting
// as long as ctx allows. It long-polls the ApplicationMaster, at most
// MaxKVWait per request. It fails when ctx ends (wrapping ctx's error), on
// any error other than "not found yet", and when the ApplicationMaster
// shuts down.
func (c *Client) Wait(ctx context.Context, key string) ([]byte, error) {
	if err := ValidateKVKey(key); err != nil {
		return nil, fmt.Errorf("spindle: waiting for key: %w", err)
	}
	for {
		wait := MaxKVWait
		if deadline, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(deadline))
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("spindle: waiting for key %q: %w", key, err)
		}
		if wait <= 0 {
			return nil, fmt.Errorf("spindle: waiting for key %q: %w", key, context.DeadlineExceeded)
		}
		start := time.Now()
		v, err := c.getValue(ctx, key, wait)
		if err == nil {
			return v, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("spindle: waiting for key %q: %w", key, ctx.Err())
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("spindle: waiting for key %q: %w", key, err)
		}
		// A server that answers long before the wait is up (not ours)
		// must not make this loop spin.
		if time.Since(start) < wait-time.Second {
			t := time.NewTimer(time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("spindle: waiting for key %q: %w", key, ctx.Err())
			case <-t.C:
			}
		}
	}
}

// getValue fetches key, long-polling for up to wait if wait > 0. A 404 from
// the API becomes ErrNotFound.
func (c *Client) getValue(ctx context.Context, key string, wait time.Duration) ([]byte, error) {
	var q url.Values
	timeout := c.timeout
	if wait > 0 {
		q = url.Values{"wait": {wait.String()}}
		timeout += wait
	}
	v, err := c.do(ctx, http.MethodGet, kvKeyPath(key), q, nil, "", timeout, MaxKVValueSize)
	if se := (*StatusError)(nil); errors.As(err, &se) && se.StatusCode == http.StatusNotFound && se.fromAPI {
		return nil, ErrNotFound
	}
	return v, err
}

// Delete removes key. Removing a key that does not exist is not an error.
func (c *Client) Delete(ctx context.Context, key string) error {
	if err := ValidateKVKey(key); err != nil {
		return fmt.Errorf("spindle: deleting key: %w", err)
	}
	if _, err := c.do(ctx, http.MethodDelete, kvKeyPath(key), nil, nil, "", c.timeout, 0); err != nil {
		return fmt.Errorf("spindle: deleting key %q: %w", key, err)
	}
	return nil
}

// List returns every entry whose key starts with prefix ("" for all).
func (c *Client) List(ctx context.Context, prefix string) (map[string][]byte, error) {
	var encoded map[string]string
	q := url.Values{"prefix": {prefix}, "encoding": {"base64"}}
	body, err := c.do(ctx, http.MethodGet, "/api/v1/kv", q, nil, "", c.timeout, sdkMaxListResponse)
	if err == nil {
		err = decodeJSONResponse(body, &encoded)
	}
	if err != nil {
		return nil, fmt.Errorf("spindle: listing keys with prefix %q: %w", prefix, err)
	}
	m := make(map[string][]byte, len(encoded))
	for k, s := range encoded {
		v, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("spindle: listing keys with prefix %q: value of %q is not base64: %w", prefix, k, err)
		}
		m[k] = v
	}
	return m, nil
}

// Scale asks the ApplicationMaster to keep n executors running. It returns
// once the request is accepted, before executors start or stop.
func (c *Client) Scale(ctx context.Context, n int) error {
	if err := c.postJSON(ctx, "/api/v1/scale", ScaleRequest{Executors: n}); err != nil {
		return fmt.Errorf("spindle: scaling to %d executors: %w", n, err)
	}
	return nil
}

// Heartbeat tells the ApplicationMaster that the client-mode driver is
// alive. Client-mode drivers call it every few seconds.
func (c *Client) Heartbeat(ctx context.Context) error {
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/driver/heartbeat", nil, nil, "", c.timeout, 0); err != nil {
		return fmt.Errorf("spindle: sending driver heartbeat: %w", err)
	}
	return nil
}

// Finish reports the client-mode driver's outcome: its exit code (0 for
// success) and an explanation that YARN shows.
func (c *Client) Finish(ctx context.Context, exitCode int, diagnostics string) error {
	if err := c.postJSON(ctx, "/api/v1/driver/finish", DriverFinish{ExitCode: exitCode, Diagnostics: diagnostics}); err != nil {
		return fmt.Errorf("spindle: reporting driver exit code %d: %w", exitCode, err)
	}
	return nil
}

// kvKeyPath is the URL path of key, which must be valid: valid keys need no
// escaping.
func kvKeyPath(key string) string {
	return "/api/v1/kv/" + key
}

// getJSON GETs path and decodes the JSON answer into dst.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, dst any) error {
	body, err := c.do(ctx, http.MethodGet, path, q, nil, "", c.timeout, sdkMaxJSONResponse)
	if err != nil {
		return err
	}
	return decodeJSONResponse(body, dst)
}

// postJSON POSTs v as JSON to path.
func (c *Client) postJSON(ctx context.Context, path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding request: %w", err)
	}
	_, err = c.do(ctx, http.MethodPost, path, nil, b, "application/json", c.timeout, sdkMaxJSONResponse)
	return err
}

// decodeJSONResponse decodes a response body into dst.
func decodeJSONResponse(body []byte, dst any) error {
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("decoding the ApplicationMaster's answer: %w", err)
	}
	return nil
}

// do sends one request with the given timeout (on top of ctx) and returns
// the body of a 2xx answer, reading at most limit bytes of it (0: discard
// it). Other answers become a *StatusError.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, contentType string, timeout time.Duration, limit int64) ([]byte, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(rctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("User-Agent", "spindle-container-sdk")
	if c.env.ExecutorID != "" {
		req.Header.Set(HeaderExecutorID, c.env.ExecutorID)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.requestError(ctx, rctx, timeout, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.statusError(method, path, resp)
	}
	if limit == 0 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, sdkMaxErrorResponse))
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, c.requestError(ctx, rctx, timeout, fmt.Errorf("reading answer to %s %s: %w", method, path, err))
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("answer to %s %s is larger than %d bytes", method, path, limit)
	}
	return b, nil
}

// requestError explains a failed request, telling a per-request timeout
// apart from the caller's context ending.
func (c *Client) requestError(ctx, rctx context.Context, timeout time.Duration, err error) error {
	if ctx.Err() == nil && errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no answer from the ApplicationMaster within %v: %w", timeout, err)
	}
	return err
}

// statusError turns an unsuccessful answer into a *StatusError.
func (c *Client) statusError(method, path string, resp *http.Response) error {
	se := &StatusError{Method: method, Path: path, StatusCode: resp.StatusCode,
		stop: resp.Header.Get(HeaderStop) == StopValue}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, sdkMaxErrorResponse))
	var er ErrorResponse
	if json.Unmarshal(b, &er) == nil && er.Error != "" {
		se.Message = er.Error
		se.fromAPI = true
		return se
	}
	msg := strings.TrimSpace(string(b))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	se.Message = strings.ToValidUTF8(msg, "\uFFFD")
	return se
}
