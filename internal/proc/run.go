package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"time"
)

// StopGrace is how long a stopped process (and its process group) has between
// SIGTERM and SIGKILL.
const StopGrace = 5 * time.Second

// Process is a driver or executor process to run: the one description every
// runner of Spindle uses (the AM's cluster-mode driver, the client-mode and
// local-mode driver here, local executors).
type Process struct {
	// Command is the program and its arguments.
	Command []string
	// Dir is the working directory ("" for the current one).
	Dir string
	// Env is the whole environment (see Environ).
	Env []string
	// Stdin, Stdout and Stderr are the standard streams (nil: the null device).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// OwnGroup puts the process into a process group of its own, so that
	// stopping it stops what it started. A process that shares a terminal with
	// spindle must not have one: it could no longer read the terminal.
	OwnGroup bool
	// DieWithParent has the kernel send SIGTERM to the process when spindle dies
	// (Linux only), so that a local driver does not outlive a killed spindle.
	DieWithParent bool
	// Supervisor, when set, is the spindle binary: the process then runs
	// under `spindle supervise` (see Supervise), which ends everything it
	// started when it exits, when it is stopped, and when this process dies
	// (Linux only; elsewhere the field is ignored). OwnGroup is then ignored
	// and DieWithParent implied: the supervisor stays in this process's
	// group, where a terminal's and YARN's signals reach it.
	Supervisor string
}

// Running is a started Process.
type Running struct {
	p    Process
	cmd  *exec.Cmd
	done chan struct{}
	exit Exit
}

// Start starts p.
func Start(p Process) (*Running, error) {
	if len(p.Command) == 0 {
		return nil, errors.New("start a process: empty command")
	}
	if p.Supervisor != "" && CanSupervise() {
		p.Command = append([]string{p.Supervisor}, SupervisorArgs(StopGrace, p.Command)...)
		p.OwnGroup, p.DieWithParent = false, true
	}
	cmd := exec.Command(p.Command[0], p.Command[1:]...)
	cmd.Dir, cmd.Env = p.Dir, p.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.Stdin, p.Stdout, p.Stderr
	if p.OwnGroup {
		ownGroup(cmd)
	}
	if p.DieWithParent {
		DieWithParent(cmd)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", p.Command[0], err)
	}
	r := &Running{p: p, cmd: cmd, done: make(chan struct{})}
	go func() {
		r.exit = ExitOf(cmd.Wait())
		close(r.done)
	}()
	return r, nil
}

// Pid is the process id.
func (r *Running) Pid() int { return r.cmd.Process.Pid }

// Done is closed when the process has exited.
func (r *Running) Done() <-chan struct{} { return r.done }

// Exit is how the process ended; call it after Done is closed.
func (r *Running) Exit() Exit { return r.exit }

// Stop ends the process: SIGTERM (to its group when it has one), SIGKILL after
// grace if it or its group is still there. It returns once the process has exited.
func (r *Running) Stop(grace time.Duration) {
	select {
	case <-r.done:
		if r.p.OwnGroup {
			signalGroup(r.cmd.Process, true, sigKill) // what it left running
		}
		return
	default:
	}
	signalGroup(r.cmd.Process, r.p.OwnGroup, sigTerm)
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	select {
	case <-r.done:
		for r.p.OwnGroup && groupAlive(r.cmd.Process) {
			select {
			case <-deadline.C:
				signalGroup(r.cmd.Process, true, sigKill)
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	case <-deadline.C:
		if r.p.Supervisor != "" { // it is ending the program itself; give it a moment
			select {
			case <-r.done:
				return
			case <-time.After(2 * time.Second):
			}
		}
		signalGroup(r.cmd.Process, r.p.OwnGroup, sigKill)
		<-r.done
	}
}

// Wait waits until the process exits, stopping it (see Stop, with
// StopGrace) when ctx ends or stop is closed first; it reports whether it did.
func (r *Running) Wait(ctx context.Context, stop <-chan struct{}) (stopped bool) {
	select {
	case <-r.Done():
		return false
	case <-ctx.Done():
	case <-stop:
	}
	r.Stop(StopGrace)
	return true
}

// Run starts p and waits until it exits (see Running.Wait). The error is for
// a process that could not be started.
func Run(ctx context.Context, p Process, stop <-chan struct{}) (exit Exit, stopped bool, err error) {
	r, err := Start(p)
	if err != nil {
		return Exit{}, false, err
	}
	stopped = r.Wait(ctx, stop)
	return r.Exit(), stopped, nil
}
