package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spindle-yarn/spindle/am"
	"github.com/spindle-yarn/spindle/internal/console"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// cmdExecutor is what an executor container runs: `spindle executor --launch
// spindle-executor.json`. It ends as the executor's command ended.
func cmdExecutor(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintf(env.stdout, "Usage: spindle executor --launch %s\n\nRun by YARN in every executor container: runs the executor command the launch file names.\n", spec.ExecutorFileName)
		return nil
	}
	err := am.LaunchExecutor(ctx, args)
	var ec *am.ExitCodeError
	if errors.As(err, &ec) {
		return console.ExitError{Code: ec.Code}
	}
	return err
}
