package agent

import (
	"context"
	"errors"
	"os"
	"sync"
	"syscall"
	"time"
)

// Why a command's context ends; a Runner reads it with context.Cause and picks
// how to stop the command.
var (
	// ErrInterrupted means the user interrupted the command (Ctrl-C in the shell).
	ErrInterrupted = errors.New("interrupted")
	// ErrTimedOut means the command ran longer than its timeout.
	ErrTimedOut = errors.New("timed out")
)

// DefaultMaxOutput is how much of a command's output an agent keeps: the rest is
// dropped and the Output marked truncated. It leaves room in the AM's 1 MiB value
// limit for the JSON around it.
const DefaultMaxOutput = 512 << 10

// Result is how a command ended, as a Runner reports it.
type Result struct {
	// ExitCode is the command's exit code, 128+N for signal N, -1 if it did not start.
	ExitCode int
	// Output is the combined standard output and standard error, at most the
	// runner's limit.
	Output []byte
	// Truncated is set when output beyond the limit was dropped.
	Truncated bool
	// Error explains a command that could not be started; empty otherwise.
	Error string
}

// Runner runs one shell command and returns how it ended. When ctx ends the
// runner stops the command (see Shell for how) and returns promptly.
type Runner func(ctx context.Context, command string) Result

// Grace periods of Shell.
const (
	// stopGrace is how long a command has to end after SIGINT or SIGTERM
	// before its process group gets SIGKILL.
	stopGrace = 3 * time.Second
	// pipeGrace is how long the runner waits, after the shell has exited, for
	// processes it left in the background to close the output pipe.
	pipeGrace = 2 * time.Second
)

// Shell runs commands with /bin/sh -c COMMAND in Dir ("" for the current
// directory) with stdin from /dev/null, the process's environment, and stdout
// and stderr captured together up to MaxOutput bytes (<= 0: DefaultMaxOutput).
// Each command gets a process group of its own. When the context of Run ends,
// the group gets SIGINT if the cause is ErrInterrupted, SIGTERM if it is
// ErrTimedOut, and then SIGKILL after a grace period; for any other cause (the
// agent is stopping) it gets SIGKILL at once. Background processes a command
// leaves behind when it ends on its own keep running until KillLeftovers.
// Its methods are safe for concurrent use.
type Shell struct {
	// Dir is the commands' working directory.
	Dir string
	// MaxOutput is how much of a command's output is kept.
	MaxOutput int

	mu     sync.Mutex
	groups map[int]bool // process groups of the commands run so far
}

// ShellRunner returns the Run method of a Shell with dir and maxOutput.
func ShellRunner(dir string, maxOutput int) Runner {
	return (&Shell{Dir: dir, MaxOutput: maxOutput}).Run
}

// exitCodeOf is the shell's exit code, or 128+N when signal N killed it.
func exitCodeOf(ps *os.ProcessState) int {
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// cappedBuffer keeps the first max bytes written to it and counts the rest.
type cappedBuffer struct {
	mu      sync.Mutex
	max     int
	buf     []byte
	dropped int64
}

// Write never fails, so that the command never sees a broken pipe because of the cap.
func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	room := b.max - len(b.buf)
	if room >= len(p) {
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	if room > 0 {
		b.buf = append(b.buf, p[:room]...)
	}
	b.dropped += int64(len(p) - max(room, 0))
	return len(p), nil
}

func (b *cappedBuffer) result() ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...), b.dropped > 0
}
