package main

import (
	"context"

	"github.com/spindle-yarn/spindle/am"
)

// cmdExecutor is what an executor container runs: `spindle executor -- CMD ARGS...`,
// or `spindle executor --tasks -- CMD ARGS...` in a job array.
func cmdExecutor(ctx context.Context, _ *cliEnv, args []string) error {
	if len(args) > 0 && args[0] == "--tasks" {
		return am.LaunchTaskExecutor(ctx, args[1:])
	}
	return am.LaunchExecutor(args)
}
