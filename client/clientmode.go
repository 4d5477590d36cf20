package client

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/proc"
)

// WaitForAM follows the application until its ApplicationMaster is running and has
// published its API address, and returns the driver's environment for it.
func (c *Cluster) WaitForAM(ctx context.Context, app *Application, onChange func(*Report)) (container.Env, *Report, error) {
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
		AMURL: "http://" + net.JoinHostPort(rep.AMHost, strconv.Itoa(int(rep.AMPort)))}
	return env, rep, nil
}

// DriverOutcome is how a client-mode driver ended.
type DriverOutcome struct {
	ExitCode    int
	Diagnostics string
	Interrupted bool
}

// RunDriver runs the client-mode driver locally with the Spindle environment,
// keeps the AM informed with heartbeats, and reports the driver's outcome to the AM
// when it ends. interval is the heartbeat interval.
func RunDriver(ctx context.Context, env container.Env, command []string, extraEnv map[string]string, interval time.Duration, log logrus.FieldLogger) (DriverOutcome, error) {
	sdk, err := container.Connect(env)
	if err != nil {
		return DriverOutcome{}, err
	}
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = proc.Environ(os.Environ(), extraEnv, env.Vars())
	proc.DieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return DriverOutcome{}, fmt.Errorf("start the driver %s: %w", command[0], err)
	}
	log.Infof("driver started locally: %s (pid %d); AM API at %s", command[0], cmd.Process.Pid, env.AMURL)

	hbCtx, stopHB := context.WithCancel(context.Background())
	defer stopHB()
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			hctx, cancel := context.WithTimeout(hbCtx, interval)
			if err := sdk.Heartbeat(hctx); err != nil && hbCtx.Err() == nil {
				log.WithError(err).Debug("driver heartbeat failed")
			}
			cancel()
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
			}
		}
	}()

	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	var out DriverOutcome
	select {
	case err = <-waitErr:
	case <-ctx.Done():
		out.Interrupted = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err = <-waitErr:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			err = <-waitErr
		}
	}
	stopHB()
	exit := proc.ExitOf(err)
	out.ExitCode, out.Diagnostics = exit.Code, exit.Describe("the driver")
	if out.Interrupted {
		out.Diagnostics = "the client-mode driver was interrupted"
		if out.ExitCode == 0 {
			out.ExitCode = 130
		}
	}
	fctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sdk.Finish(fctx, out.ExitCode, out.Diagnostics); err != nil {
		return out, fmt.Errorf("report the driver's outcome to the ApplicationMaster: %w", err)
	}
	return out, nil
}
