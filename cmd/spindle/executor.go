package main

import (
	"context"

	"github.com/spindle-yarn/spindle/am"
	"github.com/spindle-yarn/spindle/internal/proc"
)

// cmdExecutor is what an executor container runs: `spindle executor --launch
// spindle-executor.json`. It ends as the executor's command ended.
func cmdExecutor(_ context.Context, _ *cliEnv, args []string) error {
	exit, err := am.LaunchExecutor(args)
	if err != nil {
		return err
	}
	proc.ExitAs(exit)
	return nil
}
