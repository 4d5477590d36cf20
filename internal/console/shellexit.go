package console

import (
	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/client/shell"
)

// ShellExit says how a `spindle shell` session ended and returns its exit
// code as an ExitError (nil for 0): 130 when interrupted, 1 when the
// session was lost, a command failed or the executors were not all ready at
// the start.
func ShellExit(log *logrus.Logger, out *client.Outcome, s shell.Outcome) error {
	switch {
	case out.Interrupted || s.Interrupted:
		return ExitError{Code: 130}
	case s.Lost != nil:
		log.Errorf("the session ended: %v", s.Lost)
		return ExitError{Code: 1}
	case s.FinishErr != nil:
		log.WithError(s.FinishErr).Warn("could not report the end of the session")
	}
	if out.Report == nil && !out.Succeeded {
		log.Errorf("local application failed: %s", out.Diagnostics)
		return ExitError{Code: 1}
	}
	if out.Report != nil && !out.Succeeded { // ReportPrinter said how it ended
		return ExitError{Code: 1}
	}
	if s.StartErr != nil {
		log.Warnf("the session started without all its executors: %v", s.StartErr)
		return ExitError{Code: 1}
	}
	if s.Failed > 0 {
		log.Warnf("%d of %d commands failed", s.Failed, s.Commands)
		return ExitError{Code: 1}
	}
	return nil
}
