// Package httpapi is the ApplicationMaster's HTTP API: application and
// executor status, a small key-value store with long-poll waits for drivers
// and executors to find each other, scaling, and the client-mode driver's
// heartbeat and outcome. Every /api/ request must carry
// "Authorization: Bearer <secret>" with the driver's or the executors' secret
// (the executors' may not scale, heartbeat or finish as the driver), or the
// viewers' secret, which only reads (viewerRoutes). It also streams running
// containers' stdout and stderr (logs.go). With
// WithTasks it also serves the work queue (package workqueue); routing uses net/http's method and path patterns. GET / is an HTML status page without
// secrets that needs no authorization, because the ResourceManager's web
// proxy sends browsers there. The container package has the matching client.
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// Backend is what the ApplicationMaster provides to the Server. Its methods
// are called from concurrent requests and must not block for long.
type Backend interface {
	// App returns the current application status.
	App() container.AppInfo
	// Executors returns the status of every executor so far.
	Executors() []container.ExecutorInfo
	// Scale sets the target number of executors (n >= 0). An error is
	// reported to the caller with status 409 Conflict and its message.
	Scale(n int) error
	// DriverHeartbeat records that the client-mode driver is alive.
	DriverHeartbeat()
	// DriverFinished records the client-mode driver's outcome.
	DriverFinished(container.DriverFinish)
}

// Defaults of the Server's limits.
const (
	// DefaultMaxKeys is the default limit on the number of keys in the
	// key-value store.
	DefaultMaxKeys = 10000
	// DefaultMaxBytes is the default limit on the bytes of all keys and
	// values in the key-value store.
	DefaultMaxBytes = 64 << 20
	// DefaultShutdownTimeout is how long Serve waits, by default, for
	// requests in progress to finish once its context ends.
	DefaultShutdownTimeout = 10 * time.Second
)

// Limits and timeouts of the HTTP server that are not configurable.
const (
	maxJSONBody       = 64 << 10
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = container.MaxKVWait + 30*time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	apiPrefix         = "/api/"
	kvPath            = "/api/v1/kv"
)

// Option configures a Server.
type Option func(*options)

type options struct {
	maxKeys         int
	maxBytes        int64
	shutdownTimeout time.Duration
	errorLog        *log.Logger
	tasks           *Tasks
}

// WithMaxKeys limits the number of keys in the key-value store (default
// DefaultMaxKeys). PUTs of new keys beyond it fail with 507.
func WithMaxKeys(n int) Option {
	return func(o *options) { o.maxKeys = n }
}

// WithMaxBytes limits the total size of the keys and values in the
// key-value store (default DefaultMaxBytes). PUTs beyond it fail with 507.
func WithMaxBytes(n int64) Option {
	return func(o *options) { o.maxBytes = n }
}

// WithShutdownTimeout sets how long Serve waits for requests in progress
// when its context ends (default DefaultShutdownTimeout) before closing
// their connections.
func WithShutdownTimeout(d time.Duration) Option {
	return func(o *options) { o.shutdownTimeout = d }
}

// WithErrorLog sets the logger the HTTP server reports connection errors to
// (default: the standard logger).
func WithErrorLog(l *log.Logger) Option {
	return func(o *options) { o.errorLog = l }
}

// Server serves the AM HTTP API. Create it with New.
type Server struct {
	driverHash   [sha256.Size]byte
	executorHash [sha256.Size]byte
	viewerHash   [sha256.Size]byte
	handler      http.Handler
	backend      Backend
	opts         options
	kv           *store
	page         *template.Template

	drainOnce sync.Once
	drained   chan struct{}
}

// New returns a Server that answers requests from b and its own key-value
// store. It accepts three bearer secrets: the application's secret, which the
// driver holds, the executors' secret derived from it
// (spec.ExecutorSecret), which the executors hold, and the viewers' secret
// (spec.ViewerSecret), for the owner's `spindle logs --follow`. The
// executors' secret is refused with 403 on the driver-only endpoints: scale,
// driver heartbeat and driver finish. The viewers' secret reaches only the
// read-only endpoints viewerRoutes lists.
func New(secret string, b Backend, opts ...Option) (*Server, error) {
	if secret == "" {
		return nil, errors.New("creating AM HTTP API server: secret is empty")
	}
	if b == nil {
		return nil, errors.New("creating AM HTTP API server: backend is nil")
	}
	o := options{
		maxKeys:         DefaultMaxKeys,
		maxBytes:        DefaultMaxBytes,
		shutdownTimeout: DefaultShutdownTimeout,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	switch {
	case o.maxKeys <= 0:
		return nil, fmt.Errorf("creating AM HTTP API server: key limit %d is not positive", o.maxKeys)
	case o.maxBytes <= 0:
		return nil, fmt.Errorf("creating AM HTTP API server: byte limit %d is not positive", o.maxBytes)
	case o.shutdownTimeout <= 0:
		return nil, fmt.Errorf("creating AM HTTP API server: shutdown timeout %v is not positive", o.shutdownTimeout)
	case o.tasks != nil && o.tasks.Queue == nil:
		return nil, errors.New("creating AM HTTP API server: WithTasks without a queue")
	}
	page, err := parseStatusPage()
	if err != nil {
		return nil, fmt.Errorf("creating AM HTTP API server: %w", err)
	}
	s := &Server{
		driverHash:   sha256.Sum256([]byte(secret)),
		executorHash: sha256.Sum256([]byte(spec.ExecutorSecret(secret))),
		viewerHash:   sha256.Sum256([]byte(spec.ViewerSecret(secret))),
		backend:      b,
		opts:         o,
		kv:           newStore(o.maxKeys, o.maxBytes),
		page:         page,
		drained:      make(chan struct{}),
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the http.Handler serving the API and the status page.
func (s *Server) Handler() http.Handler { return s.handler }

// Drain ends every pending key-value wait with 503 Service Unavailable, and
// makes later waits fail the same way at once, so that long-polls do not
// hold up a shutting-down http.Server. Serve calls it when its context
// ends; call it before http.Server.Shutdown when serving Handler yourself.
// It is safe to call more than once.
func (s *Server) Drain() {
	s.drainOnce.Do(func() { close(s.drained) })
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("serving AM HTTP API: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves the API on ln until ctx ends, then drains waits (see Drain),
// shuts down gracefully within the shutdown timeout, closes ln and returns
// nil. It returns an error if serving fails or the shutdown times out.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.Handler())
}

// serve is Serve with the handler h.
func (s *Server) serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          s.opts.errorLog,
	}
	addr := ln.Addr().String()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving AM HTTP API on %s: %w", addr, err)
	case <-ctx.Done():
	}
	s.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
		<-errc
		return fmt.Errorf("shutting down AM HTTP API on %s: %w", addr, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving AM HTTP API on %s: %w", addr, err)
	}
	return nil
}

// routes builds the Server's handler: the status page at /, the API under
// /api/ behind the secrets, and JSON errors for everything else. A path
// registered for some methods answers others with 405 and an Allow header.
func (s *Server) routes() http.Handler {
	api := http.NewServeMux()
	handle(api, "/api/v1/app", route{http.MethodGet, s.getApp})
	handle(api, "/api/v1/executors", route{http.MethodGet, s.getExecutors})
	handle(api, kvPath, route{http.MethodGet, s.listKV})
	handle(api, kvPath+"/{key...}", route{http.MethodGet, s.getKV}, route{http.MethodPut, s.putKV},
		route{http.MethodDelete, s.deleteKV})
	handle(api, "/api/v1/scale", route{http.MethodPost, driverOnly(s.scale)})
	handle(api, "/api/v1/driver/heartbeat", route{http.MethodPost, driverOnly(s.driverHeartbeat)})
	handle(api, "/api/v1/driver/finish", route{http.MethodPost, driverOnly(s.driverFinish)})
	handle(api, "/api/v1/events", route{http.MethodGet, s.getEvents})
	handle(api, "/api/v1/driver/output", route{http.MethodGet, driverOnly(s.getDriverOutput)})
	if s.opts.tasks != nil {
		s.mountTasks(api)
	}
	handle(api, "/api/v1/credentials", route{http.MethodGet, s.getCredentials})
	handle(api, containerLogPath, route{http.MethodGet, s.getContainerLog})
	handle(api, "/api/v1/executor/logs", route{http.MethodGet, s.executorOnly(s.getLogDemand)})
	handle(api, "/api/v1/executor/logs/{stream}", route{http.MethodPost, s.executorOnly(s.pushLog)})
	api.HandleFunc(apiPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such API endpoint %q", r.URL.Path))
	})

	mux := http.NewServeMux()
	handle(mux, "/{$}", route{http.MethodGet, s.serveStatusPage}, route{http.MethodHead, s.serveStatusPage})
	mux.Handle(apiPrefix, s.authenticate(api, s.viewerRoutes()))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such page %q", r.URL.Path))
	})
	return mux
}

// containerLogPath is the pattern of a container's log stream.
const containerLogPath = "/api/v1/containers/{id}/logs/{stream}"

// viewerRoutes is the API the viewers' secret reaches: reading the
// application, its executors, events, the driver's output and containers'
// logs. Everything else answers 403.
func (s *Server) viewerRoutes() http.Handler {
	v := http.NewServeMux()
	v.HandleFunc("GET /api/v1/app", s.getApp)
	v.HandleFunc("GET /api/v1/executors", s.getExecutors)
	v.HandleFunc("GET /api/v1/events", s.getEvents)
	v.HandleFunc("GET /api/v1/driver/output", s.getDriverOutput)
	v.HandleFunc("GET "+containerLogPath, s.getContainerLog)
	v.HandleFunc(apiPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, fmt.Sprintf("%s %s: the viewers' secret only reads the application, its executors, events and output", r.Method, r.URL.Path))
	})
	return v
}

// route is one method's handler of a path.
type route struct {
	method  string
	handler http.HandlerFunc
}

// handle registers the routes of path on mux, and a handler for every other
// method that answers 405 with a JSON error and the Allow header.
func handle(mux *http.ServeMux, path string, routes ...route) {
	allowed := make([]string, len(routes))
	for i, rt := range routes {
		mux.HandleFunc(rt.method+" "+path, rt.handler)
		allowed[i] = rt.method
	}
	allow := strings.Join(allowed, ", ")
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow))
	})
}

// role is who a request authenticated as.
type role int

const (
	roleDriver role = iota + 1
	roleExecutor
	roleViewer
)

type roleKey struct{}

// authenticate lets a request through to next when it carries
// "Authorization: Bearer <secret>" with the driver's or the executors'
// secret, recording which, and to viewers with the viewers' secret; it
// answers 401 otherwise. The comparison takes the same time however much of
// a secret is right.
func (s *Server) authenticate(next, viewers http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		who := s.roleOf(r)
		if who == 0 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="spindle"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong secret: send \"Authorization: Bearer <secret>\" with the secret Spindle gave the process (SPINDLE_SECRET)")
			return
		}
		h := next
		if who == roleViewer {
			h = viewers
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), roleKey{}, who)))
	})
}

// roleOf returns the role whose secret r carries, or 0.
func (s *Server) roleOf(r *http.Request) role {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return 0
	}
	h := sha256.Sum256([]byte(strings.TrimSpace(token)))
	driver := subtle.ConstantTimeCompare(h[:], s.driverHash[:])
	executor := subtle.ConstantTimeCompare(h[:], s.executorHash[:])
	viewer := subtle.ConstantTimeCompare(h[:], s.viewerHash[:])
	switch {
	case driver == 1:
		return roleDriver
	case executor == 1:
		return roleExecutor
	case viewer == 1:
		return roleViewer
	}
	return 0
}

// driverOnly refuses requests made with the executors' secret with 403: only
// the driver ends the application, vouches for the driver being alive or
// scales the executors.
func driverOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Value(roleKey{}) != roleDriver {
			writeError(w, http.StatusForbidden, fmt.Sprintf("%s %s is for the driver only: executors' secret is not accepted", r.Method, r.URL.Path))
			return
		}
		next(w, r)
	}
}

// getApp answers GET /api/v1/app.
func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.backend.App())
}

// getExecutors answers GET /api/v1/executors.
func (s *Server) getExecutors(w http.ResponseWriter, r *http.Request) {
	execs := s.backend.Executors()
	if execs == nil {
		execs = []container.ExecutorInfo{}
	}
	writeJSON(w, http.StatusOK, execs)
}

// kvKey returns the valid key of a /api/v1/kv/{key...} request, or answers 400.
func kvKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := r.PathValue("key")
	if err := container.ValidateKVKey(key); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return "", false
	}
	return key, true
}

// deleteKV answers DELETE /api/v1/kv/{key}.
func (s *Server) deleteKV(w http.ResponseWriter, r *http.Request) {
	if key, ok := kvKey(w, r); ok {
		s.kv.remove(key)
		w.WriteHeader(http.StatusNoContent)
	}
}

// driverHeartbeat answers POST /api/v1/driver/heartbeat.
func (s *Server) driverHeartbeat(w http.ResponseWriter, r *http.Request) {
	s.backend.DriverHeartbeat()
	w.WriteHeader(http.StatusNoContent)
}

// getKV answers GET /api/v1/kv/{key}[?wait=d].
func (s *Server) getKV(w http.ResponseWriter, r *http.Request) {
	key, ok := kvKey(w, r)
	if !ok {
		return
	}
	wait, err := parseWait(r.URL.Query().Get("wait"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	v, found := s.kv.get(key)
	if !found && wait > 0 {
		var outcome waitOutcome
		v, outcome = s.kv.wait(r.Context(), key, wait, s.drained)
		switch outcome {
		case waitFound:
			found = true
		case waitDrained:
			writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("stopped waiting for key %q: the ApplicationMaster is shutting down", key))
			return
		case waitCanceled:
			return // the client has gone
		}
	}
	if !found {
		msg := fmt.Sprintf("key %q not found", key)
		if wait > 0 {
			msg = fmt.Sprintf("key %q not found after waiting %v", key, wait)
		}
		writeError(w, http.StatusNotFound, msg)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(v)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(v)
}

// parseWait parses the wait parameter: a Go duration ("30s", "1m") or a
// number of seconds. Waits beyond container.MaxKVWait are shortened to it.
func parseWait(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, err2 := strconv.ParseFloat(s, 64)
		if err2 != nil || secs != secs { // secs != secs rejects NaN
			return 0, fmt.Errorf("invalid wait %q: want a duration such as \"30s\"", s)
		}
		switch {
		case secs < 0:
			d = -1
		case secs >= container.MaxKVWait.Seconds():
			d = container.MaxKVWait
		default:
			d = time.Duration(secs * float64(time.Second))
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid wait %q: it is negative", s)
	}
	return min(d, container.MaxKVWait), nil
}

// putKV answers PUT /api/v1/kv/{key}.
func (s *Server) putKV(w http.ResponseWriter, r *http.Request) {
	key, ok := kvKey(w, r)
	if !ok {
		return
	}
	if r.ContentLength > container.MaxKVValueSize {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("value for key %q is %d bytes, the limit is %d", key, r.ContentLength, container.MaxKVValueSize))
		return
	}
	v, err := io.ReadAll(http.MaxBytesReader(w, r.Body, container.MaxKVValueSize))
	if err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("value for key %q is larger than the limit of %d bytes", key, container.MaxKVValueSize))
			return
		}
		writeError(w, http.StatusBadRequest, fmt.Sprintf("reading value for key %q: %v", key, err))
		return
	}
	if err := s.kv.put(key, v); err != nil {
		writeError(w, http.StatusInsufficientStorage, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listKV answers GET /api/v1/kv?prefix=p[&encoding=base64]. Values are JSON
// strings; with encoding=base64 they are base64 (standard, padded), which
// keeps values that are not UTF-8 intact.
func (s *Server) listKV(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prefix := q.Get("prefix")
	if len(prefix) > container.MaxKVKeyLen {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("prefix is %d bytes, longer than any key can be (%d)", len(prefix), container.MaxKVKeyLen))
		return
	}
	var encode func([]byte) string
	switch enc := q.Get("encoding"); enc {
	case "":
		encode = func(b []byte) string { return string(b) }
	case "base64":
		encode = base64.StdEncoding.EncodeToString
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown encoding %q: want \"base64\" or none", enc))
		return
	}
	entries := s.kv.list(prefix)
	out := make(map[string]string, len(entries))
	for k, v := range entries {
		out[k] = encode(v)
	}
	writeJSON(w, http.StatusOK, out)
}

// scaleBody is ScaleRequest with presence detection.
type scaleBody struct {
	Executors *int `json:"executors"`
}

// scale answers POST /api/v1/scale.
func (s *Server) scale(w http.ResponseWriter, r *http.Request) {
	var body scaleBody
	if status, err := decodeJSONBody(w, r, &body); err != nil {
		writeError(w, status, err.Error())
		return
	}
	if body.Executors == nil {
		writeError(w, http.StatusBadRequest, `body must be {"executors": N}`)
		return
	}
	n := *body.Executors
	if n < 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("cannot scale to %d executors: the number must not be negative", n))
		return
	}
	if err := s.backend.Scale(n); err != nil {
		writeError(w, http.StatusConflict, fmt.Sprintf("cannot scale to %d executors: %v", n, err))
		return
	}
	writeJSON(w, http.StatusAccepted, container.ScaleRequest{Executors: n})
}

// finishBody is DriverFinish with presence detection.
type finishBody struct {
	ExitCode    *int   `json:"exitCode"`
	Diagnostics string `json:"diagnostics"`
}

// driverFinish answers POST /api/v1/driver/finish.
func (s *Server) driverFinish(w http.ResponseWriter, r *http.Request) {
	var body finishBody
	if status, err := decodeJSONBody(w, r, &body); err != nil {
		writeError(w, status, err.Error())
		return
	}
	if body.ExitCode == nil {
		writeError(w, http.StatusBadRequest, `body must be {"exitCode": N, "diagnostics": "..."}`)
		return
	}
	s.backend.DriverFinished(container.DriverFinish{ExitCode: *body.ExitCode, Diagnostics: body.Diagnostics})
	w.WriteHeader(http.StatusNoContent)
}

// decodeJSONBody decodes r's body, a single JSON object of at most
// maxJSONBody bytes without unknown fields, into dst. On failure it returns
// the status to answer with and why.
func decodeJSONBody(w http.ResponseWriter, r *http.Request, dst any) (int, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, fmt.Errorf("request body is larger than %d bytes", maxJSONBody)
		}
		if errors.Is(err, io.EOF) {
			return http.StatusBadRequest, errors.New("request body is empty, want a JSON object")
		}
		return http.StatusBadRequest, fmt.Errorf("invalid JSON request body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return http.StatusBadRequest, errors.New("invalid JSON request body: unexpected data after the object")
	}
	return 0, nil
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("encoding response: %v", err))
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers with status and {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	b, err := json.Marshal(container.ErrorResponse{Error: msg})
	if err != nil { // cannot happen for a struct of one string
		b = []byte(`{"error":"internal error"}`)
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
