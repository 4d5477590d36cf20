package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
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
	cmd.Env = os.Environ()
	for k, v := range extraEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, container.EnvRole+"="+env.Role, container.EnvAppID+"="+env.AppID,
		container.EnvAMURL+"="+env.AMURL, container.EnvSecret+"="+env.Secret)
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
	out.ExitCode, out.Diagnostics = exitOf(err)
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

func exitOf(err error) (int, string) {
	if err == nil {
		return 0, "the driver exited 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), fmt.Sprintf("the driver was killed by signal %s", ws.Signal())
		}
		return ee.ExitCode(), fmt.Sprintf("the driver exited with code %d", ee.ExitCode())
	}
	return 1, "the driver failed: " + err.Error()
}
