package console

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ExitError carries a specific exit code out of a command.
type ExitError struct{ Code int }

// Error implements error.
func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode prints what the error of the command name says, if anything,
// and returns the exit code for it: 0 (also after printing the help on
// stdout), an ExitError's code, 2 for a UsageError, 1 for any other error.
func ExitCode(stdout, stderr io.Writer, name string, err error) int {
	var ee ExitError
	var help HelpRequested
	var ue UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &help):
		PrintHelp(stdout, help.FS)
		return 0
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "spindle %s: %s\nRun 'spindle help %[1]s' for usage.\n", name, ue.Msg)
		return 2
	}
	msg := BriefError(Actionable(err))
	if strings.HasPrefix(msg, name+" ") { // "spindle: kill application_...: ...", not "spindle kill: kill ..."
		fmt.Fprintf(stderr, "spindle: %s\n", msg)
	} else {
		fmt.Fprintf(stderr, "spindle %s: %s\n", name, msg)
	}
	return 1
}
