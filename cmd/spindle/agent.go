package main

import (
	"context"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/container/agent"
	"github.com/spindle-yarn/spindle/internal/console"
)

// cmdAgent is what every executor of `spindle shell` runs (`spindle executor --
// ./spindle agent` in YARN).
func cmdAgent(ctx context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("agent", pflag.ContinueOnError)
	if err := console.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return console.Usagef("unexpected argument %q: spindle agent takes none (spindle shell starts it in every executor)", fs.Arg(0))
	}
	return agent.Main(ctx, env.log, env.getenv)
}
