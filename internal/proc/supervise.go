package proc

import (
	"fmt"
	"os"
	"time"
)

// SuperviseCommand is the (hidden) spindle subcommand that runs a program
// under a supervisor: `spindle supervise [--grace D] -- CMD ARGS...`.
const SuperviseCommand = "supervise"

// parentGoneGrace is how long the program gets between SIGTERM and SIGKILL
// when the supervisor's parent died: short, so that a new ApplicationMaster
// attempt never finds the previous attempt's driver still running.
const parentGoneGrace = 2 * time.Second

// leftoverGrace is how long what the program left behind gets between SIGTERM
// and SIGKILL once the program itself has exited.
const leftoverGrace = time.Second

// SupervisorArgs are the arguments that make the spindle binary supervise
// command, stopping it within grace.
func SupervisorArgs(grace time.Duration, command []string) []string {
	return append([]string{SuperviseCommand, "--grace", grace.String(), "--"}, command...)
}

// ParseSupervisorArgs reads what SupervisorArgs wrote (without the command
// name): the grace period and the command.
func ParseSupervisorArgs(args []string) (time.Duration, []string, error) {
	grace := StopGrace
	for len(args) > 0 && args[0] != "--" {
		if args[0] != "--grace" || len(args) < 2 {
			return 0, nil, fmt.Errorf("usage: spindle %s [--grace DURATION] -- COMMAND [ARGS...]; unexpected %q", SuperviseCommand, args[0])
		}
		d, err := time.ParseDuration(args[1])
		if err != nil || d < 0 {
			return 0, nil, fmt.Errorf("--grace %q: want a duration such as 5s", args[1])
		}
		grace, args = d, args[2:]
	}
	if len(args) < 2 {
		return 0, nil, fmt.Errorf("usage: spindle %s [--grace DURATION] -- COMMAND [ARGS...]", SuperviseCommand)
	}
	return grace, args[1:], nil
}

// Supervised describes a program run by Supervise.
type Supervised struct {
	// Command is the program and its arguments; a relative program path with
	// a "/" is relative to the working directory.
	Command []string
	// Env is its whole environment (nil: this process's).
	Env []string
	// Grace is how long it has between a forwarded SIGTERM (or SIGINT, SIGHUP)
	// and SIGKILL.
	Grace time.Duration
}

// ExitAs ends this process the way e describes: with the same signal (the
// default action of which is restored first) or the same exit code, so that
// whoever waits for a supervisor sees the supervised program's own end.
func ExitAs(e Exit) {
	if e.Signal != 0 {
		raise(e.Signal)
	}
	os.Exit(e.Code)
}
