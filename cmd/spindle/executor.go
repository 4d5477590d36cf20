package main

import (
	"context"

	"github.com/spindle-yarn/spindle/am"
)

// cmdExecutor is what an executor container runs: `spindle executor -- CMD ARGS...`.
func cmdExecutor(_ context.Context, _ *cliEnv, args []string) error {
	return am.LaunchExecutor(args)
}
