package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/console"
)

// appCommand parses the flags and the single APPID argument of status, kill and
// logs, runs check (if set) on the flags, and connects to the cluster. The
// caller closes the Cluster.
func appCommand(env *cliEnv, fs *pflag.FlagSet, args []string, check func() error) (client.ApplicationID, *client.Cluster, error) {
	if err := console.ParseFlags(fs, args); err != nil {
		return client.ApplicationID{}, nil, err
	}
	switch fs.NArg() {
	case 0:
		return client.ApplicationID{}, nil, console.Usagef("want an APPID, an id such as application_1700000000000_0001")
	case 1:
	default:
		return client.ApplicationID{}, nil, console.Usagef("want one APPID, not %q", fs.Args())
	}
	id, err := client.ParseApplicationID(fs.Arg(0))
	if err != nil {
		return client.ApplicationID{}, nil, console.Usagef("APPID: %v", err)
	}
	if check != nil {
		if err := check(); err != nil {
			return client.ApplicationID{}, nil, err
		}
	}
	cl, err := connect(env)
	return id, cl, err
}

// killedSummaryWait bounds the look for a killed application's summary,
// which its AM may not have written.
const killedSummaryWait = 5 * time.Second

func cmdStatus(ctx context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("status", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	owner := fs.String("app-owner", "", "the application's user, to find the summary of an application the ResourceManager has forgotten (default: you)")
	id, cl, err := appCommand(env, fs, args, nil)
	if err != nil {
		return err
	}
	defer cl.Close()
	r, err := cl.Report(ctx, id)
	if err != nil && !client.IsNotFound(err) {
		return err
	}
	var sum *container.Summary
	if r == nil || r.Terminal() {
		killed := r != nil && r.State == "KILLED"
		sctx := ctx
		if killed {
			// A killed AM may have written no summary: look briefly.
			var cancel context.CancelFunc
			sctx, cancel = context.WithTimeout(ctx, killedSummaryWait)
			defer cancel()
		}
		var serr error
		sum, serr = cl.Summary(sctx, id, *owner)
		switch {
		case r == nil && serr != nil:
			return fmt.Errorf("%w; no summary either: %v", err, serr)
		case killed:
			// none is no news
		case serr != nil && (r.Type == client.ApplicationType || !errors.Is(serr, client.ErrNoSummary)):
			env.log.Warnf("no summary of %s: %v", id, serr)
		}
	}
	if *asJSON {
		return console.PrintJSON(env.stdout, statusJSON{Report: r, Summary: sum})
	}
	if r != nil {
		console.PrintStatus(env.stdout, r)
	}
	if sum != nil {
		console.PrintSummary(env.stdout, sum, r == nil)
	}
	return nil
}

// statusJSON is what status --json prints.
type statusJSON struct {
	*client.Report
	Summary *container.Summary `json:"summary,omitempty"`
}

func cmdKill(ctx context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("kill", pflag.ContinueOnError)
	id, cl, err := appCommand(env, fs, args, nil)
	if err != nil {
		return err
	}
	defer cl.Close()
	kctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	r, err := cl.Kill(kctx, id, "killed by the user with `spindle kill`", nil)
	if r != nil {
		fmt.Fprintf(env.stdout, "%s %s/%s\n", id, r.State, r.FinalStatus)
	}
	return err
}
