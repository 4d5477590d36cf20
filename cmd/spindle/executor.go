package main

import (
	"context"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/am"
)

// cmdExecutor is what an executor container runs: `spindle executor -- CMD ARGS...`.
func cmdExecutor(_ context.Context, _ *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("executor", pflag.ContinueOnError)
	fs.SetInterspersed(false) // CMD's flags are CMD's
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("want -- COMMAND [ARGS...]")
	}
	return am.LaunchExecutor(fs.Args())
}
