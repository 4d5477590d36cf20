package client

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/spindle-yarn/spindle/internal/amproxy"
)

// followAM serves the AM API at amURL to the client-mode driver through a
// local proxy (until ctx ends) and returns the proxy's URL. When the AM
// stops answering, the proxy takes the AM's address from the application
// report again: a new AM attempt listens elsewhere, and the driver, its
// heartbeats and its outcome reach it without a restart.
func (s *session) followAM(ctx context.Context, amURL string) (string, error) {
	p := amproxy.New(amURL, func(ctx context.Context) (string, error) {
		r, err := s.cl.Report(ctx, s.app.ID)
		if err != nil {
			return "", err
		}
		if r.State != "RUNNING" || r.AMHost == "" || r.AMPort <= 0 {
			return "", fmt.Errorf("%s is %s with no ApplicationMaster address yet", s.app.ID, r.State)
		}
		return "http://" + net.JoinHostPort(r.AMHost, strconv.Itoa(int(r.AMPort))), nil
	})
	p.Logf = s.cfg.Log.Infof
	return p.Listen(ctx)
}
