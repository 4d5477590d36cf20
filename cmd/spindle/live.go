package main

import "github.com/spf13/pflag"

// liveFlags say how submit and shell show a running application.
type liveFlags struct {
	quiet      bool
	json       bool
	jsonOutput bool
}

// add registers the flags; shell has no driver output to stream.
func (l *liveFlags) add(fs *pflag.FlagSet, shell bool) {
	if shell {
		fs.BoolVar(&l.json, "json", false, "print one JSON object per line on stderr for every event (submitted, state, executor-started/failed/replaced, finished) and log line")
		return
	}
	fs.BoolVarP(&l.quiet, "quiet", "q", false, "do not stream a cluster-mode driver's output to this terminal")
	fs.BoolVar(&l.json, "json", false, "print one JSON object per line on stdout for every event (submitted, state, attempt-started, executor-started/failed/replaced, finished) instead of text; logs become JSON on stderr")
	fs.BoolVar(&l.jsonOutput, "json-output", false, "with --json, also stream the driver's output as \"output\" events (cluster mode)")
}
