package console

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/client"
)

func TestExitErrorAndFirstLine(t *testing.T) {
	if got := (ExitError{Code: 3}).Error(); got != "exit status 3" {
		t.Errorf("ExitError = %q", got)
	}
	if FirstLine("a\nb") != "a" || FirstLine("one") != "one" || FirstLine("") != "" {
		t.Error("FirstLine")
	}
}

func TestPrintReport(t *testing.T) {
	var buf bytes.Buffer
	log := logrus.New()
	log.SetOutput(&buf)
	log.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true, DisableQuote: true})
	show := ReportPrinter(log)
	show(&client.Report{ID: "application_1_0001", State: "ACCEPTED"})
	show(&client.Report{ID: "application_1_0001", State: "RUNNING", TrackingURL: "http://rm/proxy/a/"})
	show(&client.Report{ID: "application_1_0001", State: "RUNNING", TrackingURL: "http://rm/proxy/a/", Diagnostics: "line one\nline two"})
	show(&client.Report{ID: "application_1_0001", State: "FINISHED", FinalStatus: "FAILED", TrackingURL: "http://rm/history/a/", Diagnostics: "the driver exited with code 3"})
	out := buf.String()
	for _, want := range []string{
		"application_1_0001 ACCEPTED\n",
		"application_1_0001 RUNNING\n",
		"tracking URL: http://rm/proxy/a/",
		"application_1_0001 RUNNING: line one\n",
		"application_1_0001 ended FINISHED/FAILED: the driver exited with code 3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "tracking URL") != 1 || strings.Contains(out, "line two") || strings.Contains(out, "history") {
		t.Errorf("tracking URL repeated, a second diagnostics line, or a terminal URL shown:\n%s", out)
	}
}
