package client

import (
	"context"
	"crypto/tls"
	"fmt"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/amproxy"
)

// followAM serves the AM API at initial to the client-mode driver through a
// local proxy (until ctx ends) and returns the proxy's URL. When the AM
// stops answering, the proxy takes the AM's address from the application
// report again: a new AM attempt listens elsewhere, and the driver, its
// heartbeats and its outcome reach it without a restart. The proxy speaks
// TLS to the AM with the application's pinned key; the driver reaches the
// proxy on 127.0.0.1 over plain HTTP.
func (s *session) followAM(ctx context.Context, initial string) (string, error) {
	pin := s.app.AMPubKeySHA256
	var tlsConf *tls.Config
	if pin != "" {
		c, err := container.PinnedTLSConfig(pin)
		if err != nil {
			return "", fmt.Errorf("the ApplicationMaster's TLS pin: %w", err)
		}
		tlsConf = c
	}
	p := amproxy.New(initial, func(ctx context.Context) (string, error) {
		r, err := s.cl.Report(ctx, s.app.ID)
		if err != nil {
			return "", err
		}
		addr, ok := r.amAddress()
		if !ok {
			return "", fmt.Errorf("%s is %s with no ApplicationMaster address yet", s.app.ID, r.State)
		}
		return amURL(addr, pin), nil
	}, tlsConf)
	p.Logf = s.cfg.Log.Infof
	return p.Listen(ctx)
}
