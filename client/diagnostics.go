package client

import (
	"context"
	"fmt"
	"strings"

	"github.com/spindle-yarn/spindle/internal/yarn"
)

// Summary is the one line of an application's diagnostics worth showing:
// the first line, and, when YARN reports a failed container there ("...
// exited with exitCode: -1000 ... Diagnostics: [date]Download and unpack
// failed ..."), the container's own reason after it, which the first line
// leaves out.
func Summary(diagnostics string) string {
	d := strings.TrimSpace(diagnostics)
	first, _, _ := strings.Cut(d, "\n")
	_, reason, ok := strings.Cut(d, "Diagnostics:")
	if !ok || !strings.Contains(d, "exitCode") {
		return first
	}
	reason = strings.TrimSpace(reason)
	if strings.HasPrefix(reason, "[") { // a timestamp: [2024-01-02 03:04:05.678]
		if i := strings.IndexByte(reason, ']'); i > 0 {
			reason = strings.TrimSpace(reason[i+1:])
		}
	}
	reason = javaReason(reason)
	if reason == "" || strings.Contains(first, reason) {
		return first
	}
	return first + ": " + reason
}

// javaReason is the first line of a container's diagnostics, or, when they
// are a Java stack trace ("java.lang.reflect.UndeclaredThrowableException\n
// at ...\nCaused by: ...YarnException: Download and unpack failed"), the
// messages of its causes, outermost first, without the exception classes.
func javaReason(diag string) string {
	first, _, _ := strings.Cut(diag, "\n")
	first = strings.TrimSpace(first)
	var causes []string
	for _, line := range strings.Split(diag, "\n") {
		c, ok := strings.CutPrefix(strings.TrimSpace(line), "Caused by: ")
		if !ok {
			continue
		}
		if class, msg, ok := strings.Cut(c, ": "); ok && !strings.ContainsRune(class, ' ') {
			c = msg
		} else if !strings.ContainsRune(c, ' ') {
			continue // an exception without a message
		}
		causes = append(causes, strings.TrimSpace(c))
	}
	if len(causes) == 0 || strings.ContainsRune(first, ' ') && !strings.HasSuffix(first, "Exception") {
		return first
	}
	return strings.Join(causes, ": ")
}

// onReport is the session's report callback: the caller's, after saying so
// when YARN has started a new attempt, with the previous attempt's diagnostics.
func (s *session) onReport() func(*Report) {
	last := 0
	return func(r *Report) {
		if last > 0 && r.Attempt > last {
			s.cfg.Log.Warnf("YARN started attempt %d of %s: attempt %d failed: %s", r.Attempt, s.app.ID, last, s.attemptDiagnostics(last))
		}
		if r.Attempt > last {
			last = r.Attempt
		}
		if s.cfg.OnReport != nil {
			s.cfg.OnReport(r)
		}
	}
}

// attemptDiagnostics returns YARN's diagnostics of attempt n of the session's application.
func (s *session) attemptDiagnostics(n int) string {
	ctx, cancel := s.cl.withRPCTimeout(context.Background())
	defer cancel()
	id := yarn.AttemptID{App: s.app.ID.yarn(), Attempt: int32(n)}
	rep, err := s.cl.rm.AttemptReport(ctx, id)
	if err != nil {
		return fmt.Sprintf("(its report could not be read: %v)", err)
	}
	if d := Summary(rep.GetDiagnostics()); d != "" {
		return d
	}
	return "(YARN gives no diagnostics)"
}
