package console

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/container"
)

// The status line is drawn on a terminal and kept below output lines.
func TestStatusLineKeepsBelowOutput(t *testing.T) {
	var term bytes.Buffer
	sl := NewStatusLine(&term)
	defer sl.Stop()
	sl.SetState("RUNNING")
	sl.SetInfo(container.AppInfo{TargetExecutors: 3, Live: container.Live{Running: 2, Pending: 1, Failed: 1, FailureBudget: 6}})
	w := sl.Wrap(&term)
	w.Write([]byte("driver says hi\n"))
	out := term.String()
	if !strings.Contains(out, "RUNNING | executors 2/3 running, 1 pending, 1 failed (of 6 allowed)") {
		t.Errorf("status line: %q", out)
	}
	i := strings.Index(out, "driver says hi\n")
	if i < 0 || !strings.HasSuffix(out, "\x1b[0m") || !strings.Contains(out[:i], "\r\x1b[K") {
		t.Errorf("the output is not written between clearing and redrawing the line: %q", out)
	}
}
