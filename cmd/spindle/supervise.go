package main

import (
	"context"
	"fmt"

	"github.com/spindle-yarn/spindle/internal/console"
	"github.com/spindle-yarn/spindle/internal/proc"
)

// cmdSupervise runs a driver or executor program under a supervisor:
// `spindle supervise [--grace D] -- CMD ARGS...` (see proc.Supervise). It
// ends as the program ended: the same exit code, or the same signal.
func cmdSupervise(_ context.Context, env *cliEnv, args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(env.stdout, "Usage: spindle supervise [--grace DURATION] -- COMMAND [ARGS...]\n\nRuns COMMAND and ends everything it started when it ends, is stopped, or spindle dies.")
		return nil
	}
	grace, command, err := proc.ParseSupervisorArgs(args)
	if err != nil {
		fmt.Fprintf(env.stderr, "spindle %s: %v\n", proc.SuperviseCommand, err)
		return console.ExitError{Code: 2}
	}
	exit := proc.Supervise(proc.Supervised{Command: command, Grace: grace})
	if exit.Err != nil {
		fmt.Fprintf(env.stderr, "spindle supervise: %v\n", exit.Err)
	}
	proc.ExitAs(exit)
	return nil
}
