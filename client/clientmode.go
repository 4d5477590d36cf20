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
		return r.State == "RUNNING" && r.AMHost != "" && r.AMPort > 0
	}, onChange)
	if err != nil {
		return container.Env{}, rep, err
	}
	if rep.Terminal() {
		return container.Env{}, rep, fmt.Errorf("%s ended %s/%s before its ApplicationMaster started: %s", app.ID, rep.State, rep.FinalStatus, rep.Diagnostics)
	}
	env := container.Env{Role: container.RoleDriver, AppID: app.ID.String(), Secret: app.Secret,
		AMURL: "https://" + net.JoinHostPort(rep.AMHost, strconv.Itoa(int(rep.AMPort))), AMPubKeySHA256: app.AMPubKeySHA256}
	return env, rep, nil
}
