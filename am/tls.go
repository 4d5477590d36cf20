package am

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/spindle-yarn/spindle/am/httpapi"
	"github.com/spindle-yarn/spindle/internal/amtls"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/portrange"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// apiTransport is how the AM's API is reached: the port range it listens on
// and, on YARN, the TLS certificate it serves and that certificate's pin. The
// zero value is local mode's: any port, plain HTTP.
type apiTransport struct {
	ports portrange.Range
	cert  *tls.Certificate
	pin   string // container.EnvAMPubKeySHA256 for the driver and executors
}

// newAPITransport reads the AM's port range from the spec and its TLS
// identity from its credentials; the identity is required: on YARN the API is
// served over TLS only.
func newAPITransport(app *spec.App, amCreds *creds.Credentials) (apiTransport, error) {
	ports, err := portrange.Parse(app.AMPort)
	if err != nil {
		return apiTransport{}, fmt.Errorf("spindle.am.port in the application spec: %w", err)
	}
	id, err := amtls.FromCredentials(amCreds)
	if err != nil {
		return apiTransport{}, fmt.Errorf("the AM's credentials: %w", err)
	}
	cert, err := id.Certificate()
	if err != nil {
		return apiTransport{}, err
	}
	return apiTransport{ports: ports, cert: &cert, pin: id.Pin()}, nil
}

// scheme is the API URL's scheme.
func (t apiTransport) scheme() string {
	if t.cert != nil {
		return "https"
	}
	return "http"
}

// serve serves srv on ln, over TLS with the status page on plain HTTP on the
// same port when t has a certificate.
func (t apiTransport) serve(ctx context.Context, srv *httpapi.Server, ln net.Listener) error {
	if t.cert != nil {
		return srv.ServeTLS(ctx, ln, *t.cert)
	}
	return srv.Serve(ctx, ln)
}

// trackingURL is the YARN tracking URL of the API at hostPort: its status
// page over plain HTTP, which the ResourceManager's web proxy can fetch (it
// would refuse the application's self-signed certificate).
func (t apiTransport) trackingURL(hostPort string) string {
	return "http://" + hostPort + "/"
}
