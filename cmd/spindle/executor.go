package main

import (
	"context"
	"errors"

	"github.com/spindle-yarn/spindle/am"
)

// cmdExecutor is what an executor container runs: `spindle executor -- CMD ARGS...`.
func cmdExecutor(ctx context.Context, _ *cliEnv, args []string) error {
	err := am.LaunchExecutor(ctx, args)
	var ec *am.ExitCodeError
	if errors.As(err, &ec) {
		return exitError{code: ec.Code}
	}
	return err
}
