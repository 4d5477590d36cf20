package main

import (
	"context"
	"time"

	"github.com/spindle-yarn/spindle/client"
)

// runClientMode runs the driver here once the launcher AM is up, then follows the
// application to its end. The exit code is the driver's.
func runClientMode(ctx context.Context, env *cliEnv, cl *client.Cluster, app *client.Application, opts *client.Options) error {
	denv, rep, err := cl.WaitForAM(ctx, app, printReport(env))
	if err != nil {
		return finishFollow(ctx, env, cl, app, rep, err)
	}
	interval := min(max(opts.DriverTimeout/6, time.Second), 10*time.Second)
	out, err := client.RunDriver(ctx, denv, append([]string{opts.App}, opts.AppArgs...), opts.Env, interval, env.log)
	if err != nil {
		env.log.WithError(err).Warn("client-mode driver")
	}
	if out.Interrupted {
		return finishFollow(ctx, env, cl, app, rep, ctx.Err())
	}
	// The AM unregisters with the driver's outcome; follow it to the end.
	if ferr := followToEnd(env, cl, app); ferr != nil && out.ExitCode == 0 {
		return ferr
	}
	if out.ExitCode != 0 {
		return exitError{code: out.ExitCode}
	}
	return nil
}

// followToEnd follows a client-mode application whose driver has reported its
// outcome to the AM until YARN reports its end (for up to two minutes), then
// cleans up and turns the outcome into the exit code like finishFollow.
func followToEnd(env *cliEnv, cl *client.Cluster, app *client.Application) error {
	fctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := cl.Follow(fctx, app.ID, nil, printReport(env))
	return finishFollow(fctx, env, cl, app, rep, err)
}
