package agent

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/am/httpapi"
	"github.com/spindle-yarn/spindle/container"
)

func TestShellRunnerExitCodesAndOutput(t *testing.T) {
	dir := t.TempDir()
	run := ShellRunner(dir, 0)
	ctx := context.Background()
	for _, tc := range []struct {
		cmd  string
		code int
		out  string
	}{
		{"echo out; echo err >&2", 0, "out\nerr\n"},
		{"exit 3", 3, ""},
		{"kill -9 $$", 128 + 9, ""},
		{"pwd", 0, dir + "\n"},
		{"cat", 0, ""}, // stdin is /dev/null
	} {
		res := run(ctx, tc.cmd)
		if res.ExitCode != tc.code || string(res.Output) != tc.out || res.Truncated || res.Error != "" {
			t.Errorf("%q: %+v (output %q), want exit code %d, output %q", tc.cmd, res, res.Output, tc.code, tc.out)
		}
	}
}

func TestShellRunnerCapsOutput(t *testing.T) {
	res := ShellRunner("", 1000)(context.Background(), "head -c 5000 /dev/zero; echo done >&2")
	if len(res.Output) != 1000 || !res.Truncated || res.ExitCode != 0 {
		t.Errorf("%d bytes, truncated %v, exit code %d", len(res.Output), res.Truncated, res.ExitCode)
	}
}

// dead reports whether process pid has exited (a zombie counts).
func dead(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return errors.Is(err, os.ErrNotExist) || syscall.Kill(pid, 0) != nil
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

func TestShellRunnerInterruptKillsTheProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	for _, cause := range []error{ErrInterrupted, ErrTimedOut, context.Canceled} {
		ctx, cancel := context.WithCancelCause(context.Background())
		done := make(chan Result, 1)
		// The background sleep ignores SIGINT (non-interactive shells make
		// background jobs ignore it), so it takes the SIGKILL after the grace period.
		go func() { done <- ShellRunner("", 0)(ctx, "sleep 30 & echo $! > "+pidFile+"; wait") }()
		var pid int
		for deadline := time.Now().Add(5 * time.Second); pid == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			b, _ := os.ReadFile(pidFile)
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		if pid == 0 {
			t.Fatal("the command did not start")
		}
		start := time.Now()
		cancel(cause)
		select {
		case res := <-done:
			if res.ExitCode == 0 {
				t.Errorf("%v: exit code 0 after the interrupt", cause)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v: the runner did not return", cause)
		}
		if d := time.Since(start); d > stopGrace+2*time.Second {
			t.Errorf("%v: took %v", cause, d)
		}
		for deadline := time.Now().Add(2 * time.Second); !dead(pid) && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		if !dead(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("%v: the background sleep (pid %d) survived", cause, pid)
		}
		os.Remove(pidFile)
	}
}

func TestKillLeftovers(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	sh := &Shell{}
	res := sh.Run(context.Background(), "sleep 30 >/dev/null 2>&1 & echo $! > "+pidFile)
	if res.ExitCode != 0 {
		t.Fatalf("%+v", res)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if dead(pid) {
		t.Fatal("the background sleep is not running")
	}
	if n := sh.KillLeftovers(); n != 1 {
		t.Errorf("KillLeftovers() = %d, want 1", n)
	}
	for deadline := time.Now().Add(2 * time.Second); !dead(pid) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !dead(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the background sleep (pid %d) survived", pid)
	}
	if n := sh.KillLeftovers(); n != 0 {
		t.Errorf("second KillLeftovers() = %d, want 0", n)
	}
}

func TestEncodeOutputFitsAValue(t *testing.T) {
	out := &Output{Executor: "1", Host: "h", Output: strings.Repeat("\x01é", 600<<10)}
	b, err := encodeOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > container.MaxKVValueSize || !out.Truncated {
		t.Errorf("%d bytes, truncated %v", len(b), out.Truncated)
	}
	var back Output
	if err := json.Unmarshal(b, &back); err != nil || !strings.HasPrefix(strings.Repeat("\x01é", 600<<10), back.Output) {
		t.Errorf("round trip: %v", err)
	}
}

// backend is a minimal httpapi.Backend.
type backend struct{}

func (backend) App() container.AppInfo                { return container.AppInfo{State: "running"} }
func (backend) Executors() []container.ExecutorInfo   { return nil }
func (backend) Scale(int) error                       { return nil }
func (backend) DriverHeartbeat()                      {}
func (backend) DriverFinished(container.DriverFinish) {}

const secret = "0123456789abcdef0123456789abcdef"

func newAPI(t *testing.T) (driver *container.Client, executor func(id string) *container.Client) {
	t.Helper()
	srv, err := httpapi.New(secret, backend{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Drain(); ts.Close() })
	connect := func(env container.Env) *container.Client {
		c, err := container.Connect(env)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	driver = connect(container.Env{Role: container.RoleDriver, AppID: "a", AMURL: ts.URL, Secret: secret})
	return driver, func(id string) *container.Client {
		return connect(container.Env{Role: container.RoleExecutor, AppID: "a", ExecutorID: id, AMURL: ts.URL, Secret: secret})
	}
}

func put(t *testing.T, c *container.Client, key string, v any) {
	t.Helper()
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Put(context.Background(), key, b); err != nil {
		t.Fatal(err)
	}
}

func waitOutput(t *testing.T, c *container.Client, seq int, id string) Output {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := c.Wait(ctx, OutputKey(seq, id))
	if err != nil {
		t.Fatalf("output of %d on %s: %v", seq, id, err)
	}
	var o Output
	if err := json.Unmarshal(v, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestAgentFollowsTheProtocol(t *testing.T) {
	driver, executor := newAPI(t)
	// Commands before the agent started are not for it.
	put(t, driver, CommandKey(1), Command{Seq: 1, Targets: []string{"1"}, Command: "echo old"})
	put(t, driver, KeySeq, "1")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := Run(ctx, executor("1"), Config{ExecutorID: "1", Host: "h1", Recheck: 100 * time.Millisecond}); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	defer func() { cancel(); wg.Wait() }()

	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	v, err := driver.Wait(rctx, ReadyKey("1"))
	if err != nil {
		t.Fatal(err)
	}
	var ready Ready
	if err := json.Unmarshal(v, &ready); err != nil || ready != (Ready{Executor: "1", Host: "h1", From: 2}) {
		t.Fatalf("ready mark %s (%v)", v, err)
	}
	// Command 2 is withdrawn (the driver deleted it), 3 is for another executor,
	// 4 is for this one.
	put(t, driver, KeySeq, "2")
	put(t, driver, CommandKey(3), Command{Seq: 3, Targets: []string{"2"}, Command: "echo not mine"})
	put(t, driver, KeySeq, "3")
	put(t, driver, CommandKey(4), Command{Seq: 4, Targets: []string{"2", "1"}, Command: "echo mine; exit 4"})
	put(t, driver, KeySeq, "4")
	o := waitOutput(t, driver, 4, "1")
	if o != (Output{Executor: "1", Host: "h1", ExitCode: 4, Output: "mine\n"}) {
		t.Errorf("output %+v", o)
	}
	for _, k := range []string{OutputKey(1, "1"), OutputKey(3, "1")} {
		if _, err := driver.Get(context.Background(), k); !errors.Is(err, container.ErrNotFound) {
			t.Errorf("%s: %v, want not found", k, err)
		}
	}

	// A command with a timeout is stopped; a canceled one is interrupted.
	put(t, driver, CommandKey(5), Command{Seq: 5, Targets: []string{"1"}, Command: "sleep 30", TimeoutSeconds: 1})
	o = waitOutput(t, driver, 5, "1")
	if o.ExitCode != 128+int(syscall.SIGTERM) || o.Error != "timed out after 1s" {
		t.Errorf("timed out command: %+v", o)
	}
	put(t, driver, CommandKey(6), Command{Seq: 6, Targets: []string{"1"}, Command: "sleep 30"})
	time.Sleep(200 * time.Millisecond)
	put(t, driver, CancelKey(6), "1")
	o = waitOutput(t, driver, 6, "1")
	if o.ExitCode != 128+int(syscall.SIGINT) || o.Error != "interrupted" {
		t.Errorf("interrupted command: %+v", o)
	}
}

func TestAgentStopsWhenTheAMShutsDown(t *testing.T) {
	srv, err := httpapi.New(secret, backend{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	c, err := container.Connect(container.Env{Role: container.RoleExecutor, AppID: "a", ExecutorID: "1", AMURL: ts.URL, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), c, Config{ExecutorID: "1"}) }()
	time.Sleep(200 * time.Millisecond)
	srv.Drain()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the agent did not stop")
	}
}

func TestAgentGivesUpOnAnUnreachableAM(t *testing.T) {
	c, err := container.Connect(container.Env{Role: container.RoleExecutor, AppID: "a", ExecutorID: "1", AMURL: "http://127.0.0.1:1", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	err = Run(context.Background(), c, Config{ExecutorID: "1", GiveUpAfter: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "has not answered") {
		t.Errorf("Run: %v", err)
	}
}
