//go:build !unix

package proc

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

// Without Unix signals and process groups a process is stopped by killing it.
type signal int

const (
	sigTerm signal = iota
	sigKill
)

func ownGroup(*exec.Cmd) {}

func signalGroup(p *os.Process, _ bool, _ signal) { _ = p.Kill() }

func groupAlive(*os.Process) bool { return false }

// SignalGroup kills the process with id pid (there are no process groups here).
func SignalGroup(pid int, _ bool) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

// OwnGroup does nothing where there are no process groups.
func OwnGroup(*exec.Cmd) {}

// Exec fails: only Unix systems replace a process with another program (the
// executor launcher runs on YARN's Linux nodes).
func Exec(path string, _, _ []string) error {
	return fmt.Errorf("run %s: replacing this process needs a Unix system, not %s", path, runtime.GOOS)
}
