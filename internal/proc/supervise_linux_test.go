//go:build linux

package proc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play the spindle binary: `proc.test
// supervise ...` supervises, and PROC_TEST_PARENT=1 makes it a parent that
// starts a supervised program and waits to be killed.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == SuperviseCommand {
		grace, command, err := ParseSupervisorArgs(os.Args[2:])
		if err != nil {
			os.Exit(2)
		}
		ExitAs(Supervise(Supervised{Command: command, Grace: grace}))
	}
	if os.Getenv("PROC_TEST_PARENT") == "1" {
		r, err := Start(Process{Supervisor: os.Args[0], Command: strings.Fields(os.Getenv("PROC_TEST_COMMAND"))})
		if err != nil {
			os.Exit(1)
		}
		<-r.Done()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// leaver is a program that starts two sleeps, one of them in a session of
// its own (out of its process group), writes their pids to $1 and $2, and
// then exits with $3 (or, with no $3, waits).
const leaver = `sleep 300 & echo $! >"$1.tmp"; mv "$1.tmp" "$1"; setsid sleep 300 & echo $! >"$2.tmp"; mv "$2.tmp" "$2"; [ -n "$3" ] && exit "$3"; wait`

func readPids(t *testing.T, files ...string) []int {
	t.Helper()
	var pids []int
	for _, f := range files {
		deadline := time.Now().Add(10 * time.Second)
		for {
			b, _ := os.ReadFile(f)
			if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				pids = append(pids, n)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no pid in %s", f)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return pids
}

func checkGone(t *testing.T, within time.Duration, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, p := range pids {
		for alive(p) {
			if time.Now().After(deadline) {
				t.Errorf("process %d outlived its supervisor", p)
				syscall.Kill(p, syscall.SIGKILL)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestSuperviseEndsWhatTheProgramLeft: the program's exit code is the
// supervisor's, and what it left running (even in another session) is gone.
func TestSuperviseEndsWhatTheProgramLeft(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	exit, stopped, err := Run(t.Context(), Process{Supervisor: os.Args[0], Command: []string{"/bin/sh", "-c", leaver, "sh", a, b, "3"}}, nil)
	if err != nil || stopped || exit.Code != 3 {
		t.Fatalf("Run = %+v, %v, %v; want exit code 3", exit, stopped, err)
	}
	checkGone(t, 3*time.Second, readPids(t, a, b)...)
}

// TestSuperviseStop: stopping the supervisor stops the program (which sees
// SIGTERM and dies of it) and everything below it.
func TestSuperviseStop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	r, err := Start(Process{Supervisor: os.Args[0], Command: []string{"/bin/sh", "-c", leaver, "sh", a, b}})
	if err != nil {
		t.Fatal(err)
	}
	pids := readPids(t, a, b)
	r.Stop(2 * time.Second)
	if e := r.Exit(); e.Signal != syscall.SIGTERM {
		t.Errorf("exit = %+v, want death by SIGTERM passed through", e)
	}
	checkGone(t, 3*time.Second, pids...)
}

// TestSuperviseParentKilled: when the process that started the supervisor
// dies of SIGKILL, the program and everything it started die too.
func TestSuperviseParentKilled(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	parent := exec.Command(os.Args[0])
	// The parent splits the command on spaces: the script goes in a file.
	script := filepath.Join(dir, "leaver.sh")
	if err := os.WriteFile(script, []byte(leaver), 0o755); err != nil {
		t.Fatal(err)
	}
	parent.Env = append(os.Environ(), "PROC_TEST_PARENT=1", "PROC_TEST_COMMAND=/bin/sh "+script+" "+a+" "+b)
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	pids := readPids(t, a, b)
	_ = parent.Process.Kill()
	_ = parent.Wait()
	checkGone(t, 5*time.Second, pids...)
}

// hasChildren sees a running child and one not yet waited for, and none
// once it is waited for, without waiting for anything itself.
func TestHasChildren(t *testing.T) {
	if hasChildren() {
		t.Skip("the test process already has children")
	}
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !hasChildren() {
		t.Error("a running child was not seen")
	}
	cmd.Process.Kill()
	if !hasChildren() {
		t.Error("a child not yet waited for was not seen")
	}
	if err := cmd.Wait(); err == nil || cmd.ProcessState == nil {
		t.Fatalf("wait: %v (hasChildren must not have reaped it)", err)
	}
	if hasChildren() {
		t.Error("children seen after the only one was waited for")
	}
	if got := liveDescendants(); len(got) != 0 {
		t.Errorf("descendants %v", got)
	}
}
