package console

import (
	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/client"
)

// PrintStaged logs what was uploaded, when verbose.
func PrintStaged(log *logrus.Logger, verbose bool, app *client.Application) {
	if !verbose {
		return
	}
	var total int64
	for _, r := range app.Staged {
		log.Debugf("staged %s: %s, %d bytes uploaded (%s)", r.Name, r.Outcome, r.Bytes, r.URL)
		total += r.Bytes
	}
	log.Infof("uploaded %d bytes in total", total)
}

// ExitWith logs how a local application ended (ReportPrinter said it of a
// YARN one, once) and returns its exit code as an ExitError (nil for 0).
func ExitWith(log *logrus.Logger, out *client.Outcome) error {
	switch {
	case out.Submitted || out.Interrupted || out.Report != nil:
	case !out.Succeeded:
		log.Errorf("local application failed: %s", out.Diagnostics)
	}
	if code := out.ExitCode(); code != 0 {
		return ExitError{Code: code}
	}
	return nil
}
