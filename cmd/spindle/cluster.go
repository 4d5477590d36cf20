package main

import (
	"context"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/internal/console"
)

func cmdCluster(ctx context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("cluster", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	if err := console.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return console.Usagef("cluster takes no arguments, not %q", fs.Arg(0))
	}
	cl, err := connect(env)
	if err != nil {
		return err
	}
	defer cl.Close()
	info, err := cl.Info(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return console.PrintJSON(env.stdout, info)
	}
	console.PrintClusterInfo(env.stdout, info)
	return nil
}
