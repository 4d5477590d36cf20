//go:build linux

package proc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunExitCode(t *testing.T) {
	var out bytes.Buffer
	exit, stopped, err := Run(context.Background(), Process{Command: []string{"/bin/sh", "-c", "echo $X; exit 3"},
		Env: []string{"X=hello"}, Stdout: &out}, nil)
	if err != nil || stopped || exit.Code != 3 || out.String() != "hello\n" {
		t.Fatalf("Run = %+v, %v, %v; output %q", exit, stopped, err, out.String())
	}
	if _, _, err := Run(context.Background(), Process{Command: []string{"/no/such/program"}}, nil); err == nil {
		t.Error("a missing program started")
	}
	if _, _, err := Run(context.Background(), Process{}, nil); err == nil {
		t.Error("an empty command started")
	}
}

// TestRunStopsOnContextAndStop: the context's end and the stop channel both
// stop the process with SIGTERM.
func TestRunStopsOnContextAndStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	exit, stopped, err := Run(ctx, Process{Command: []string{"sleep", "30"}}, nil)
	if err != nil || !stopped || exit.Signal != syscall.SIGTERM {
		t.Errorf("ctx: %+v, %v, %v", exit, stopped, err)
	}
	stop := make(chan struct{})
	time.AfterFunc(100*time.Millisecond, func() { close(stop) })
	exit, stopped, err = Run(context.Background(), Process{Command: []string{"sleep", "30"}, OwnGroup: true}, stop)
	if err != nil || !stopped || exit.Signal != syscall.SIGTERM {
		t.Errorf("stop: %+v, %v, %v", exit, stopped, err)
	}
}

// TestStopKillsAfterGraceAndTheGroup: a process that ignores SIGTERM is killed
// after the grace period, and so is what it left in its group.
func TestStopKillsAfterGraceAndTheGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child")
	r, err := Start(Process{Command: []string{"/bin/sh", "-c", `trap "" TERM; sleep 30 & echo $! >"$1.tmp"; mv "$1.tmp" "$1"; wait`, "sh", pidFile}, OwnGroup: true})
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for deadline := time.Now().Add(5 * time.Second); child == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(pidFile)
		child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if child == 0 {
		t.Fatal("the shell did not write its child's pid")
	}
	start := time.Now()
	r.Stop(300 * time.Millisecond)
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("stopped after %v: the grace period was not given", took)
	}
	if e := r.Exit(); e.Signal != syscall.SIGKILL {
		t.Errorf("exit = %+v, want SIGKILL", e)
	}
	for deadline := time.Now().Add(2 * time.Second); alive(child); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("the group's child %d outlived Stop", child)
			syscall.Kill(child, syscall.SIGKILL)
			return
		}
	}
}

// alive reports whether pid is a process that is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
