package main

import (
	"bufio"
	"context"
	"errors"
	"time"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client/logs"
	"github.com/spindle-yarn/spindle/internal/console"
)

func cmdLogs(ctx context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("logs", pflag.ContinueOnError)
	containers := fs.StringSlice("container", nil, "only this container's logs (repeatable or comma-separated; with or without the e<epoch>_ part)")
	files := fs.StringSlice("file", nil, "only log files with this name or glob pattern, e.g. stdout, stderr, 'std*' (repeatable or comma-separated)")
	owner := fs.String("app-owner", "", "the application's user, to find the aggregated logs of an application the ResourceManager has forgotten (default: you)")
	follow := fs.Bool("follow", false, "keep printing new output of a running application's containers until it ends")
	interval := fs.Duration("interval", 2*time.Second, "with --follow, how often to poll the NodeManagers when the ApplicationMaster cannot stream the output (an application submitted elsewhere or with --staging-dir)")
	id, cl, err := appCommand(env, fs, args, func() error {
		if *interval <= 0 {
			return console.Usagef("--interval must be positive, not %s", *interval)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer cl.Close()
	r := cl.Logs(func(msg string) { env.log.Warn(msg) })
	opts := logs.Options{Containers: *containers, Files: *files, Owner: *owner}
	out := bufio.NewWriterSize(env.stdout, 64<<10)
	p := logs.NewPrinter(out)
	if *follow {
		var res *logs.Result
		res, err = r.Follow(ctx, id, opts, *interval, func(c *logs.Chunk) error {
			if err := p.Chunk(c); err != nil {
				return err
			}
			return out.Flush()
		})
		switch {
		case err == nil && res.Streamed:
			env.log.Infof("streamed from %s's ApplicationMaster: %d requests to it, %d to NodeManagers", id, res.AMRequests, res.NMRequests)
		case err == nil && res.Source == logs.SourceNodeManagers:
			env.log.Infof("followed %s from the NodeManagers: %d requests to them", id, res.NMRequests)
		}
		if err == nil && res.Source == logs.SourceNodeManagers {
			env.log.Infof("%s is %s; its complete logs are in the aggregated logs (spindle logs %[1]s)", id, res.State)
		}
	} else {
		_, err = r.Fetch(ctx, id, opts, p.File)
	}
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return console.ExitError{Code: 130}
	}
	return err
}
