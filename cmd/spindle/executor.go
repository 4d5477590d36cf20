package main

import (
	"context"
	"errors"

	"github.com/spindle-yarn/spindle/am"
)

// cmdExecutor is what an executor container runs: `spindle executor --launch
// spindle-executor.json`. It ends as the executor's command ended.
func cmdExecutor(ctx context.Context, _ *cliEnv, args []string) error {
	err := am.LaunchExecutor(ctx, args)
	var ec *am.ExitCodeError
	if errors.As(err, &ec) {
		return exitError{code: ec.Code}
	}
	return err
}
