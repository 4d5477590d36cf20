package main

import (
	"context"
	"errors"

	"github.com/spindle-yarn/spindle/am"
)

// cmdExecutor is what an executor container runs: `spindle executor -- CMD ARGS...`,
// or `spindle executor --tasks -- CMD ARGS...` in a job array.
func cmdExecutor(ctx context.Context, _ *cliEnv, args []string) error {
	var err error
	if len(args) > 0 && args[0] == "--tasks" {
		err = am.LaunchTaskExecutor(ctx, args[1:])
	} else {
		err = am.LaunchExecutor(ctx, args)
	}
	var ec *am.ExitCodeError
	if errors.As(err, &ec) {
		return exitError{code: ec.Code}
	}
	return err
}
