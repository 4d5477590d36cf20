//go:build !linux

package proc

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// CanSupervise reports whether Supervise can contain a program on this system:
// it needs Linux's child subreapers and parent-death signals.
func CanSupervise() bool { return false }

// Supervise runs s.Command and returns how it ended. Without Linux's child
// subreapers it cannot find what the program leaves behind; callers start
// programs directly there instead (see CanSupervise).
func Supervise(s Supervised) Exit {
	if len(s.Command) == 0 {
		return Exit{Code: 2, Err: errors.New("supervise: empty command")}
	}
	cmd := exec.Command(s.Command[0], s.Command[1:]...)
	cmd.Env = s.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	return ExitOf(cmd.Run())
}

func raise(sig syscall.Signal) { os.Exit(128 + int(sig)) }
