package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER (linux/prctl.h).
const prSetChildSubreaper = 36

// CanSupervise reports whether Supervise can contain a program on this system.
func CanSupervise() bool { return true }

// Supervise runs s.Command as a child and returns how it ended, once neither
// it nor anything it started is left. This process becomes a child
// subreaper, so that what the program starts stays below it even when the
// program's own processes exit; the program gets SIGKILL from the kernel if
// this process dies (PR_SET_PDEATHSIG). SIGINT, SIGTERM and SIGHUP are
// forwarded to every descendant, and SIGKILL follows after s.Grace (or
// parentGoneGrace once this process's parent has died). When the program
// exits, whatever it left running gets SIGTERM and then SIGKILL.
//
// Run it in a process of its own (spindle supervise, the executor launcher):
// it reaps every child of the process.
func Supervise(s Supervised) Exit {
	if len(s.Command) == 0 {
		return Exit{Code: 2, Err: errors.New("supervise: empty command")}
	}
	runtime.LockOSThread() // the child's parent-death signal follows this thread
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return Exit{Code: 1, Err: fmt.Errorf("supervise: become a child subreaper: %w", errno)}
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	ppid := os.Getppid()
	cmd := exec.Command(s.Command[0], s.Command[1:]...)
	cmd.Env = s.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return Exit{Code: 127, Err: fmt.Errorf("start %s: %w", s.Command[0], err)}
	}
	exited := make(chan syscall.WaitStatus, 1)
	go reap(cmd.Process.Pid, exited)
	var killAt <-chan time.Time
	for {
		select {
		case ws := <-exited:
			_ = clearTree(leftoverGrace)
			return exitOfStatus(ws)
		case sig := <-sigs:
			signalTree(sig.(syscall.Signal))
			if killAt == nil {
				grace := s.Grace
				if os.Getppid() != ppid {
					grace = min(grace, parentGoneGrace)
				}
				killAt = time.After(grace)
			}
		case <-killAt:
			signalTree(syscall.SIGKILL)
			killAt = time.After(100 * time.Millisecond) // and whatever appears meanwhile
		}
	}
}

// reap waits for every child of this process (reparented orphans too) and
// sends the status of the child with pid main. It runs for the life of the
// process.
func reap(main int, exited chan<- syscall.WaitStatus) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		switch {
		case errors.Is(err, syscall.EINTR):
		case err != nil: // no children right now: orphans may still be reparented to us
			time.Sleep(50 * time.Millisecond)
		case pid == main:
			exited <- ws
		}
	}
}

func exitOfStatus(ws syscall.WaitStatus) Exit {
	if ws.Signaled() {
		return Exit{Code: 128 + int(ws.Signal()), Signal: ws.Signal()}
	}
	return Exit{Code: ws.ExitStatus()}
}

// raise ends this process with sig, its default action restored.
func raise(sig syscall.Signal) {
	signal.Reset(sig)
	_ = syscall.Kill(os.Getpid(), sig)
	time.Sleep(time.Second) // the signal is on its way; exit below if it was not fatal
	os.Exit(128 + int(sig))
}
