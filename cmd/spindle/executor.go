package main

import (
	"context"
	"errors"
	"fmt"
	"os"

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
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the spindle binary to supervise the executor with: %w", err)
	}
	err = am.LaunchExecutor(ctx, args, self)
	var ec *am.ExitCodeError
	if errors.As(err, &ec) {
		return console.ExitError{Code: ec.Code}
	}
	return err
}
