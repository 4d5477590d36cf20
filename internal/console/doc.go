// Package console is what spindle's command line shows a user: the log line
// format, brief error messages and exit codes, command help and did-you-mean
// suggestions, the version line, the terminal status line, the JSON-lines
// events of --json, and the reports of status, list and cluster. It does no
// I/O of its own beyond writing to the writers it is given.
package console
