package console

import (
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/client"
)

// TestPrintReportSaysTheEndOnce checks the lines a YARN application's state
// changes give: scheduler diagnostics shortened, the end said once (ExitWith
// adds nothing), in the same line format as every other log line.
func TestPrintReportSaysTheEndOnce(t *testing.T) {
	var errOut strings.Builder
	log := logrus.New()
	log.SetOutput(&errOut)
	log.SetFormatter(&LineFormatter{TimeLayout: ClientTimeLayout})
	show := ReportPrinter(log)
	show(&client.Report{ID: "application_1_0001", State: "ACCEPTED",
		Diagnostics: "[Tue Dec 01 16:57:42 +0000 2026] Application is Activated, waiting for resources to be assigned for AM.  Details : AM Partition = <DEFAULT_PARTITION> ;"})
	failed := &client.Report{ID: "application_1_0001", State: "FINISHED", FinalStatus: "FAILED", Diagnostics: "the driver exited with code 7"}
	show(failed)
	if err := ExitWith(log, &client.Outcome{Report: failed}); err != nil {
		if _, ok := err.(ExitError); !ok {
			t.Errorf("ExitWith: %v", err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
	want := []string{
		"INFO  application_1_0001 ACCEPTED: Application is Activated, waiting for resources to be assigned for AM.",
		"ERROR application_1_0001 ended FINISHED/FAILED: the driver exited with code 7",
	}
	if len(lines) != len(want) {
		t.Fatalf("lines:\n%s\nwant %d", errOut.String(), len(want))
	}
	for i, l := range lines {
		stamp, rest, _ := strings.Cut(l, " ")
		if _, err := time.Parse(ClientTimeLayout, stamp); err != nil || rest != want[i] {
			t.Errorf("line %d = %q, want HH:MM:SS %q", i, l, want[i])
		}
	}
}
