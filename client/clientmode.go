package client

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/spindle-yarn/spindle/container"
)

// waitForAM follows the application until its ApplicationMaster is running and has
// published its API address, and returns the driver's environment for it.
func (c *Cluster) waitForAM(ctx context.Context, app *Application, onChange func(*Report)) (container.Env, *Report, error) {
	rep, err := c.Follow(ctx, app.ID, func(r *Report) bool {
		_, ok := r.amAddress()
		return ok
	}, onChange)
	if err != nil {
		return container.Env{}, rep, err
	}
	if rep.Terminal() {
		return container.Env{}, rep, fmt.Errorf("%s ended %s/%s before its ApplicationMaster started: %s", app.ID, rep.State, rep.FinalStatus, rep.Diagnostics)
	}
	addr, _ := rep.amAddress()
	env := container.Env{Role: container.RoleDriver, AppID: app.ID.String(), Secret: app.Secret,
		AMURL: amURL(addr, app.AMPubKeySHA256), AMPubKeySHA256: app.AMPubKeySHA256}
	return env, rep, nil
}

// amAddress is the host:port of the running ApplicationMaster's API, which
// it registers as its RPC port; ok is false until the AM is RUNNING with one.
func (r *Report) amAddress() (string, bool) {
	if r.State != "RUNNING" || r.AMHost == "" || r.AMPort <= 0 {
		return "", false
	}
	return net.JoinHostPort(r.AMHost, strconv.Itoa(int(r.AMPort))), true
}

// amURL is the base URL of the AM API at hostPort: https when the AM's key
// is pinned (on YARN it always is), plain http otherwise.
func amURL(hostPort, pin string) string {
	if pin != "" {
		return "https://" + hostPort
	}
	return "http://" + hostPort
}
