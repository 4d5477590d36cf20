package console

import (
	"strings"

	"github.com/spindle-yarn/spindle/client"
)

// BriefDiagnostics is the part of YARN's diagnostics a user reads while
// waiting: the first line without the CapacityScheduler's leading
// "[date] " stamp and its " Details : ..." dump of queue capacities
// (`spindle cluster` shows the queues), with a failed container's own
// reason (such as YARN's "Download and unpack failed") after it
// (client.Summary).
func BriefDiagnostics(s string) string {
	s = strings.TrimSpace(client.Summary(s))
	if strings.HasPrefix(s, "[") {
		if end := strings.Index(s, "] "); end > 0 {
			s = s[end+2:]
		}
	}
	if i := strings.Index(s, " Details :"); i > 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// FirstLine is s up to its first newline.
func FirstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
