package am

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// lockedBuffer collects the executors' output, written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func quietLogger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

func startLocal(t *testing.T, o LocalOptions) *Local {
	t.Helper()
	if o.Log == nil {
		o.Log = quietLogger()
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	lc, err := StartLocal(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		lc.Finish(1, "test cleanup")
		select {
		case <-lc.Done():
		case <-time.After(30 * time.Second):
			t.Error("local application did not end")
		}
	})
	return lc
}

// waitPool waits until cond holds for the pool, or fails the test.
func waitPool(t *testing.T, p *pool, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		ch := p.Changed()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s; executors: %+v", what, p.Infos())
		}
	}
}

func TestStartLocalExecutorsComplete(t *testing.T) {
	out := &lockedBuffer{}
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(data, []byte("payload"), 0o644); err != nil {
		t.Fatal(err)
	}
	lc := startLocal(t, LocalOptions{Name: "ok", Executors: 2, Output: out, Env: map[string]string{"GREETING": "hi"},
		Files:           []string{data + "#linked.txt"},
		ExecutorCommand: []string{"/bin/sh", "-c", `echo "$GREETING $SPINDLE_ROLE $SPINDLE_EXECUTOR_ID $(cat linked.txt) ${#SPINDLE_SECRET}"; exit 0`}})
	p := lc.m.pool
	waitPool(t, p, "2 executors to complete", func() bool { return p.Succeeded() == 2 })
	// Completed executors satisfy the target: no third one is started.
	time.Sleep(200 * time.Millisecond)
	if n := len(p.Infos()); n != 2 {
		t.Errorf("%d executors ran, want 2", n)
	}
	select {
	case <-lc.Done():
		t.Fatal("the application ended before the driver finished")
	default:
	}
	lc.Finish(0, "")
	if err := lc.Wait(); err != nil {
		t.Errorf("Wait = %v, want nil", err)
	}
	if got := lc.Diagnostics(); got != "the driver exited 0" {
		t.Errorf("diagnostics = %q", got)
	}
	for _, want := range []string{"[executor 1] hi executor 1 payload 64", "[executor 2] hi executor 2 payload 64"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q does not contain %q", out.String(), want)
		}
	}
	if _, err := os.Stat(lc.workDir); !os.IsNotExist(err) {
		t.Errorf("work directory %s left behind: %v", lc.workDir, err)
	}
}

func TestStartLocalFailureBudget(t *testing.T) {
	lc := startLocal(t, LocalOptions{Name: "bad", Executors: 1, MaxExecutorFailures: 2,
		ExecutorCommand: []string{"/bin/sh", "-c", "exit 5"}})
	select {
	case <-lc.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the application did not end on executor failures")
	}
	for _, w := range []string{"3 executor failures exceeded the budget of 2", "exited with code 5"} {
		if !strings.Contains(lc.Diagnostics(), w) {
			t.Errorf("diagnostics %q do not contain %q", lc.Diagnostics(), w)
		}
	}
	if err := lc.Wait(); err == nil || err.Error() != lc.Diagnostics() {
		t.Errorf("Wait = %v", err)
	}
	if n := len(lc.m.pool.Infos()); n != 3 {
		t.Errorf("%d executors started, want 3 (stop once the budget is exceeded)", n)
	}
}

func TestStartLocalDriverFailure(t *testing.T) {
	lc := startLocal(t, LocalOptions{Name: "x", Executors: 0, ExecutorCommand: []string{"/bin/true"}})
	lc.Finish(3, "")
	if err := lc.Wait(); err == nil || err.Error() != "the driver exited with code 3" {
		t.Errorf("Wait = %v", err)
	}
}

func TestStartLocalDriverEnv(t *testing.T) {
	lc := startLocal(t, LocalOptions{Name: "env", Executors: 0, ExecutorCommand: []string{"/bin/true"}})
	env := lc.DriverEnv()
	if env.Role != container.RoleDriver || env.ExecutorID != "" {
		t.Errorf("role/executor = %q/%q", env.Role, env.ExecutorID)
	}
	if !regexp.MustCompile(`^local-\d+$`).MatchString(env.AppID) {
		t.Errorf("app id = %q", env.AppID)
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(env.AMURL) {
		t.Errorf("AM URL = %q", env.AMURL)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(env.Secret) {
		t.Errorf("secret is not 32 random bytes in hex: %d chars", len(env.Secret))
	}
	if err := env.Validate(); err != nil {
		t.Errorf("driver env invalid: %v", err)
	}
	c, err := container.Connect(env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := c.App(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != env.AppID || info.Name != "env" || info.Mode != string(spec.ModeLocal) || info.State != "running" {
		t.Errorf("app info = %+v", info)
	}
	// A wrong secret is refused.
	bad := env
	bad.Secret = strings.Repeat("0", 64)
	bc, err := container.Connect(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bc.App(ctx); err == nil {
		t.Error("request with a wrong secret accepted")
	}
}

func TestStartLocalScaleThroughAPI(t *testing.T) {
	lc := startLocal(t, LocalOptions{Name: "scale", Executors: 1, ExecutorCommand: []string{"/bin/sh", "-c", "exec sleep 60"}})
	p := lc.m.pool
	running := func(n int) func() bool {
		return func() bool {
			k := 0
			for _, i := range p.Infos() {
				if i.State == stateRunning {
					k++
				}
			}
			return k == n
		}
	}
	waitPool(t, p, "1 running executor", running(1))
	c, err := container.Connect(lc.DriverEnv())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Scale(ctx, 3); err != nil {
		t.Fatal(err)
	}
	waitPool(t, p, "3 running executors", running(3))
	if info, err := c.App(ctx); err != nil || info.TargetExecutors != 3 {
		t.Errorf("app after scale up = %+v, %v", info, err)
	}
	if err := c.Scale(ctx, -1); err == nil {
		t.Error("Scale(-1) accepted")
	}
	if err := c.Scale(ctx, 1); err != nil {
		t.Fatal(err)
	}
	waitPool(t, p, "2 stopped executors", func() bool { return len(p.Live()) == 1 })
	execs, err := c.Executors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(execs) != 3 {
		t.Fatalf("executors = %+v", execs)
	}
	if execs[0].State != stateRunning || execs[1].State != stateKilled || execs[2].State != stateKilled {
		t.Errorf("states = %s %s %s, want running killed killed (newest stopped)", execs[0].State, execs[1].State, execs[2].State)
	}
	if p.failures != 0 {
		t.Errorf("stopping executors counted %d failures", p.failures)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(p.Infos()); n != 3 {
		t.Errorf("stopped executors were replaced: %d executors", n)
	}
	lc.Finish(0, "done")
	if err := lc.Wait(); err != nil {
		t.Errorf("Wait = %v", err)
	}
	if len(p.Live()) != 0 {
		t.Errorf("executors still live after the end: %+v", p.Live())
	}
}

func TestStartLocalInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	lc, err := StartLocal(ctx, LocalOptions{Name: "int", Executors: 1, Log: quietLogger(), Output: io.Discard,
		ExecutorCommand: []string{"/bin/sh", "-c", "exec sleep 60"}})
	if err != nil {
		t.Fatal(err)
	}
	waitPool(t, lc.m.pool, "a live executor", func() bool { return len(lc.m.pool.Live()) == 1 })
	cancel()
	select {
	case <-lc.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("interrupt did not end the application")
	}
	if lc.Diagnostics() != "interrupted" {
		t.Errorf("diagnostics = %q", lc.Diagnostics())
	}
	if len(lc.m.pool.Live()) != 0 {
		t.Error("executors left running")
	}
}

func TestStartLocalOwnWorkDirKept(t *testing.T) {
	wd := t.TempDir()
	lc := startLocal(t, LocalOptions{Name: "wd", Executors: 1, WorkDir: wd, ExecutorCommand: []string{"/bin/sh", "-c", "pwd > where"}})
	waitPool(t, lc.m.pool, "the executor to complete", func() bool { return lc.m.pool.Succeeded() == 1 })
	lc.Finish(0, "")
	if err := lc.Wait(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(wd, "executor-1", "where"))
	if err != nil {
		t.Fatalf("the executor did not run in its own directory under WorkDir: %v", err)
	}
	if got := strings.TrimSpace(string(b)); got != filepath.Join(wd, "executor-1") {
		t.Errorf("executor ran in %q", got)
	}
}

// TestLocalExecutorsGetExecutorSecret: local executors hold the executors'
// secret, not the driver's, and the API refuses it where only the driver may act.
func TestLocalExecutorsGetExecutorSecret(t *testing.T) {
	out := &lockedBuffer{}
	lc := startLocal(t, LocalOptions{Name: "secrets", Executors: 1, Output: out,
		ExecutorCommand: []string{"/bin/sh", "-c", `echo "secret=$SPINDLE_SECRET"; exec sleep 60`}})
	driver := lc.DriverEnv()
	want := "secret=" + spec.ExecutorSecret(driver.Secret)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("executor output %q lacks %q", out.String(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	execEnv := container.Env{Role: container.RoleExecutor, AppID: driver.AppID, ExecutorID: "1", AMURL: driver.AMURL,
		Secret: spec.ExecutorSecret(driver.Secret)}
	c, err := container.Connect(execEnv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Executors(ctx); err != nil {
		t.Errorf("executor cannot list executors: %v", err)
	}
	var se *container.StatusError
	if err := c.Finish(ctx, 0, "an executor ending the application"); !errors.As(err, &se) || se.StatusCode != 403 {
		t.Errorf("executor Finish: %v, want a 403", err)
	}
	select {
	case <-lc.Done():
		t.Fatal("an executor's Finish ended the application")
	case <-time.After(100 * time.Millisecond):
	}
}
