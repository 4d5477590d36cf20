// Package proc holds what Spindle's process runners share: the environment of a
// driver or executor process, and how a process's end becomes an exit code.
package proc

import (
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"syscall"
)

// Environ returns base followed by KEY=VALUE for each of the maps in order (later
// maps win), with each map's keys sorted so the result is deterministic.
func Environ(base []string, vars ...map[string]string) []string {
	out := append([]string{}, base...)
	for _, m := range vars {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, k+"="+m[k])
		}
	}
	return out
}

// Exit describes how a process ended.
type Exit struct {
	// Code is the exit code; 128+N for a process killed by signal N, as shells report it.
	Code int
	// Signal is the signal that killed the process, or 0.
	Signal syscall.Signal
	// Err is set when the process could not be waited for at all.
	Err error
}

// ExitOf interprets the error of (*exec.Cmd).Wait.
func ExitOf(err error) Exit {
	if err == nil {
		return Exit{}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return Exit{Code: 128 + int(ws.Signal()), Signal: ws.Signal()}
		}
		return Exit{Code: ee.ExitCode()}
	}
	return Exit{Code: 1, Err: err}
}

// Describe says how the named process ended, e.g. "the driver exited with code 3".
func (e Exit) Describe(what string) string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("%s failed: %v", what, e.Err)
	case e.Signal != 0:
		return fmt.Sprintf("%s was killed by signal %s", what, e.Signal)
	case e.Code == 0:
		return what + " exited 0"
	}
	return fmt.Sprintf("%s exited with code %d", what, e.Code)
}
