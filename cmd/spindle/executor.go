package main

import (
	"context"
	"errors"

	"github.com/spindle-yarn/spindle/am"
)

// cmdExecutor is what an executor container runs: `spindle executor -- CMD ARGS...`.
func cmdExecutor(_ context.Context, _ *cliEnv, args []string) error {
	err := am.LaunchExecutor(args)
	if ee := (*am.ExitError)(nil); errors.As(err, &ee) {
		return exitError{code: ee.Code}
	}
	return err
}
