package httpapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
)

// plainHTTPMessage answers everything but the status page on plain HTTP when
// the API is served over TLS.
const plainHTTPMessage = "the ApplicationMaster serves its API over https only (SPINDLE_AM_URL; pin its certificate with SPINDLE_AM_PUBKEY_SHA256); plain http serves the status page at / only"

// ServeTLS is Serve with the API over TLS: it serves everything over TLS with
// cert on ln, and on the same port, to connections that do not start a TLS
// handshake, the status page alone (GET /, the YARN tracking URL, which the
// ResourceManager's web proxy fetches over plain HTTP because it does not
// accept the application's self-signed certificate). Everything else on plain
// HTTP is refused with 400 Bad Request before any secret is looked at. It
// returns like Serve once ctx ends, having closed ln.
func (s *Server) ServeTLS(ctx context.Context, ln net.Listener, cert tls.Certificate) error {
	split := newSplitListener(ln, readHeaderTimeout)
	defer split.Close()
	go split.run()
	tlsLn := tls.NewListener(split.tls, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 2)
	go func() { errc <- s.serve(sctx, tlsLn, s.Handler()) }()
	go func() { errc <- s.serve(sctx, split.plain, s.plainHandler()) }()
	first := <-errc
	stop() // one side ended: end the other
	second := <-errc
	if err := errors.Join(first, second); err != nil {
		return fmt.Errorf("serving AM HTTP API over TLS: %w", err)
	}
	return nil
}

// plainHandler serves the status page and refuses everything else.
func (s *Server) plainHandler() http.Handler {
	mux := http.NewServeMux()
	handle(mux, "/{$}", route{http.MethodGet, s.serveStatusPage}, route{http.MethodHead, s.serveStatusPage})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusBadRequest, plainHTTPMessage)
	})
	return mux
}
