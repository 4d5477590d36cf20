//go:build unix

package proc

import (
	"os"
	"os/exec"
	"syscall"
)

const (
	sigTerm = syscall.SIGTERM
	sigKill = syscall.SIGKILL
)

func ownGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// signalGroup sends sig to p's process group when group is set (p leads it),
// else to p alone.
func signalGroup(p *os.Process, group bool, sig syscall.Signal) {
	if group {
		_ = syscall.Kill(-p.Pid, sig)
		return
	}
	_ = p.Signal(sig)
}

// groupAlive reports whether p's process group still has processes.
func groupAlive(p *os.Process) bool { return syscall.Kill(-p.Pid, 0) == nil }

// SignalGroup sends SIGTERM (kill false) or SIGKILL (kill true) to the
// process group that the process with id pid leads.
func SignalGroup(pid int, kill bool) {
	sig := sigTerm
	if kill {
		sig = sigKill
	}
	_ = syscall.Kill(-pid, sig)
}

// OwnGroup puts the process cmd starts into a process group of its own.
func OwnGroup(cmd *exec.Cmd) { ownGroup(cmd) }

// Exec replaces this process with the program at path (see execve(2)), so
// that signals and the exit status are the program's own.
func Exec(path string, args, env []string) error { return syscall.Exec(path, args, env) }
