package client

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/proc"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// DriverFunc is a driver that runs in this process instead of a program
// (spindle shell's session). It returns when the driver is done; Run reports
// the result to the ApplicationMaster unless the function did (Reported).
type DriverFunc func(ctx context.Context, d Driver) DriverResult

// Driver is what a DriverFunc gets.
type Driver struct {
	// Env is the driver's environment contract: the AM's API and the secret.
	Env container.Env
	// Executors is the number of executors asked for.
	Executors int
	// Heartbeat is how often the driver should tell the AM it is alive.
	Heartbeat time.Duration
	// AppEnded, when set, reports (with an error saying how) that the cluster
	// says the application has ended; nil when it has not or cannot tell.
	AppEnded func(ctx context.Context) error
}

// DriverResult is how a driver that ran here ended.
type DriverResult struct {
	// ExitCode is the driver's exit code (128+N for a signal); 0 is success.
	ExitCode int
	// Diagnostics says how it ended, for the application's diagnostics.
	Diagnostics string
	// Reported is set by a DriverFunc that told the AM the outcome itself.
	Reported bool
}

// driverRun is one run of the driver here.
type driverRun struct {
	env       container.Env
	opts      *Options
	cfg       RunConfig
	heartbeat time.Duration
	appEnded  func(context.Context) error // nil in local mode
	appDone   <-chan struct{}             // closed when the application ended without the driver (local mode)
	appDiag   func() string               // how it ended, after appDone
	finish    func(DriverResult) error    // reports the outcome (default: the AM API)
}

// runDriver runs the driver here, in client and local mode alike: the program
// APP with its arguments and the driver's environment (stopped when ctx ends
// or the application ends without it: SIGTERM, then SIGKILL), with heartbeats
// to the AM while it runs; or the DriverFunc. Then it reports the outcome to
// the AM.
func runDriver(ctx context.Context, r driverRun) DriverResult {
	sdk, err := container.Connect(r.env)
	if err != nil {
		return DriverResult{ExitCode: 1, Diagnostics: fmt.Sprintf("connect to the ApplicationMaster: %v", err)}
	}
	var res DriverResult
	if r.cfg.Driver != nil {
		res = r.cfg.Driver(ctx, Driver{Env: r.env, Executors: r.opts.NumExecutors, Heartbeat: r.heartbeat, AppEnded: r.appEnded})
	} else {
		hbCtx, stopHB := context.WithCancel(context.WithoutCancel(ctx))
		go heartbeats(hbCtx, sdk, r)
		res = runProgram(ctx, r)
		stopHB()
	}
	if res.Reported || isClosed(r.appDone) {
		return res
	}
	finish := r.finish
	if finish == nil {
		finish = func(res DriverResult) error {
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			return sdk.Finish(fctx, res.ExitCode, res.Diagnostics)
		}
	}
	if err := finish(res); err != nil {
		r.cfg.Log.WithError(err).Warn("could not report the driver's outcome to the ApplicationMaster")
	}
	return res
}

// runProgram runs the driver program through the one process runner.
func runProgram(ctx context.Context, r driverRun) DriverResult {
	command := append([]string{r.opts.App}, r.opts.AppArgs...)
	p := proc.Process{Command: command, Stdin: r.cfg.Stdin, Stdout: r.cfg.Stdout, Stderr: r.cfg.Stderr, DieWithParent: true,
		Supervisor: r.cfg.Supervisor, Env: proc.Environ(os.Environ(), spec.RoleEnv(r.opts.Env, "", r.env))}
	running, err := proc.Start(p)
	if err != nil {
		return DriverResult{ExitCode: 1, Diagnostics: fmt.Sprintf("start the driver: %v", err)}
	}
	r.cfg.Log.Infof("driver started locally: %s (pid %d); AM API at %s", command[0], running.Pid(), r.env.AMURL)
	stopped := running.Wait(ctx, r.appDone)
	exit := running.Exit()
	switch {
	case stopped && ctx.Err() != nil:
		code := exit.Code
		if code == 0 {
			code = 130
		}
		return DriverResult{ExitCode: code, Diagnostics: "the driver was interrupted"}
	case stopped:
		return DriverResult{ExitCode: 1, Diagnostics: r.appDiag()}
	}
	return DriverResult{ExitCode: exit.Code, Diagnostics: exit.Describe("the driver")}
}

// heartbeats tells the AM every interval that the driver is alive, until ctx ends.
func heartbeats(ctx context.Context, sdk *container.Client, r driverRun) {
	t := time.NewTicker(r.heartbeat)
	defer t.Stop()
	for {
		hctx, cancel := context.WithTimeout(ctx, r.heartbeat)
		if err := sdk.Heartbeat(hctx); err != nil && ctx.Err() == nil {
			r.cfg.Log.WithError(err).Debug("driver heartbeat failed")
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func isClosed(c <-chan struct{}) bool {
	if c == nil {
		return false
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}
