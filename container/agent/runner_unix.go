//go:build unix

package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Run runs command; it is a Runner.
func (s *Shell) Run(ctx context.Context, command string) Result {
	limit := s.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	out := &cappedBuffer{max: limit}
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = out, out // the same writer: one pipe, output interleaved as written
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = pipeGrace
	if err := cmd.Start(); err != nil {
		return Result{ExitCode: -1, Error: fmt.Sprintf("could not start /bin/sh: %v", err)}
	}
	pgid := cmd.Process.Pid
	s.mu.Lock()
	if s.groups == nil {
		s.groups = map[int]bool{}
	}
	s.groups[pgid] = true
	s.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-ctx.Done():
		first := syscall.SIGKILL
		switch cause := context.Cause(ctx); {
		case errors.Is(cause, ErrInterrupted):
			first = syscall.SIGINT
		case errors.Is(cause, ErrTimedOut):
			first = syscall.SIGTERM
		}
		_ = syscall.Kill(-pgid, first)
		if first != syscall.SIGKILL {
			t := time.NewTimer(stopGrace)
			select {
			case <-done:
				t.Stop()
			case <-t.C:
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				<-done
			}
		} else {
			<-done
		}
		// Whatever of the group outlived the shell goes too: the command was stopped.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	b, truncated := out.result()
	return Result{ExitCode: exitCodeOf(cmd.ProcessState), Output: b, Truncated: truncated}
}

// KillLeftovers sends SIGKILL to the process groups of the commands run so far
// that still have processes in this process's session: what commands left
// running in the background. (A YARN container's end only kills the container's
// own process group, and commands have groups of their own.) The session check
// keeps it from touching a group whose number was reused by an unrelated
// process. It returns how many groups it killed.
func (s *Shell) KillLeftovers() int {
	s.mu.Lock()
	groups := make(map[int]bool, len(s.groups))
	for g := range s.groups {
		groups[g] = true
	}
	s.mu.Unlock()
	if len(groups) == 0 {
		return 0
	}
	self := os.Getpid()
	_, _, sid, ok := procStat("self")
	if !ok {
		return 0
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	killed := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		state, pgrp, psid, ok := procStat(e.Name())
		if !ok || psid != sid || !groups[pgrp] || state == "Z" || state == "X" { // the dead wait for their parent only
			continue
		}
		if syscall.Kill(-pgrp, syscall.SIGKILL) == nil {
			killed++
		}
		delete(groups, pgrp)
	}
	return killed
}

// procStat reads the state, process group and session of /proc/<pid>.
func procStat(pid string) (state string, pgrp, sid int, ok bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return "", 0, 0, false
	}
	// "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 4 {
		return "", 0, 0, false
	}
	pgrp, err1 := strconv.Atoi(f[2])
	sid, err2 := strconv.Atoi(f[3])
	return f[0], pgrp, sid, err1 == nil && err2 == nil
}
