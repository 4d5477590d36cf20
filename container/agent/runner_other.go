//go:build !unix

package agent

import (
	"context"
	"runtime"
)

// Run reports that the agent's shell needs a Unix system: executors run on
// YARN's Linux nodes, and local shell sessions need /bin/sh and process groups.
func (s *Shell) Run(ctx context.Context, command string) Result {
	return Result{ExitCode: -1, Error: "spindle agent runs commands on Unix systems only, not on " + runtime.GOOS}
}

// KillLeftovers does nothing where the agent runs no commands.
func (s *Shell) KillLeftovers() int { return 0 }
