package main

import (
	"context"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/internal/console"
)

// cmdList is `spindle list`: applications, like `yarn application -list`.
func cmdList(ctx context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("list", pflag.ContinueOnError)
	var f client.ListFilter
	fs.StringSliceVar(&f.States, "state", nil, "only applications in these YARN states (NEW, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED, or ALL; default: those not finished)")
	fs.StringSliceVar(&f.Queues, "queue", nil, "only applications in these queues")
	fs.StringSliceVar(&f.Users, "user", nil, "only applications of these users")
	fs.StringSliceVar(&f.Tags, "tag", nil, "only applications with one of these tags")
	fs.StringVar(&f.Name, "name", "", "only applications whose name contains this")
	fs.StringSliceVar(&f.Types, "type", nil, "only applications of these types (default: "+client.ApplicationType+")")
	fs.BoolVar(&f.AllTypes, "all-types", false, "applications of every type (MapReduce, Spark, ...)")
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	if err := console.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return console.Usagef("list takes no arguments, not %q (filters are flags)", fs.Arg(0))
	}
	cl, err := connect(env)
	if err != nil {
		return err
	}
	defer cl.Close()
	reps, err := cl.List(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		if reps == nil {
			reps = []*client.Report{}
		}
		return console.PrintJSON(env.stdout, reps)
	}
	console.PrintList(env.stdout, reps)
	return nil
}
