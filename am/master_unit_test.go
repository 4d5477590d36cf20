package am

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/proc"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// fakeLauncher records what the master asks of its launcher.
type fakeLauncher struct {
	mu      sync.Mutex
	wakes   int
	stopped chan []*executor
}

func (f *fakeLauncher) Wake() {
	f.mu.Lock()
	f.wakes++
	f.mu.Unlock()
}

func (f *fakeLauncher) stop(_ context.Context, execs []*executor) { f.stopped <- execs }

func testMaster(a *spec.App, target int) (*master, *fakeLauncher) {
	fl := &fakeLauncher{stopped: make(chan []*executor, 10)}
	m := &master{spec: a, log: quietLog(), secret: "s3cret", host: "127.0.0.1", amURL: "http://127.0.0.1:1",
		alloc: fl, pool: newPool(target, 5, 1024), done: make(chan result, 1), state: "running"}
	return m, fl
}

func TestDriverResult(t *testing.T) {
	r := driverResult(proc.ExitOf(nil))
	if r.status != yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED || r.diagnostics != "the driver exited 0 [driver exit code 0]" {
		t.Errorf("nil: %+v", r)
	}
	r = driverResult(proc.ExitOf(exec.Command("/bin/sh", "-c", "exit 4").Run()))
	if r.status != yarnpb.FinalApplicationStatusProto_APP_FAILED || r.diagnostics != "the driver exited with code 4 [driver exit code 4]" {
		t.Errorf("exit 4: %+v", r)
	}
	r = driverResult(proc.ExitOf(exec.Command("/bin/sh", "-c", "kill -KILL $$").Run()))
	if r.status != yarnpb.FinalApplicationStatusProto_APP_FAILED || !strings.Contains(r.diagnostics, "killed by signal killed") {
		t.Errorf("SIGKILL: %+v", r)
	}
	r = driverResult(proc.ExitOf(errors.New("wait: no child processes")))
	if r.status != yarnpb.FinalApplicationStatusProto_APP_FAILED || !strings.Contains(r.diagnostics, "wait: no child processes") {
		t.Errorf("other error: %+v", r)
	}
}

func TestMasterScale(t *testing.T) {
	m, fl := testMaster(&spec.App{ID: "app", Name: "n", Mode: spec.ModeClient}, 1)
	if err := m.Scale(-1); err == nil || !strings.Contains(err.Error(), ">= 0") {
		t.Errorf("Scale(-1) = %v", err)
	}
	if m.pool.Target() != 1 {
		t.Errorf("a rejected scale changed the target to %d", m.pool.Target())
	}
	if err := m.Scale(3); err != nil {
		t.Fatal(err)
	}
	if m.pool.Target() != 3 || m.App().TargetExecutors != 3 {
		t.Errorf("target after Scale(3) = %d", m.pool.Target())
	}
	fl.mu.Lock()
	wakes := fl.wakes
	fl.mu.Unlock()
	if wakes != 1 {
		t.Errorf("wakes = %d, want 1", wakes)
	}
	for _, cid := range []string{"c1", "c2", "c3"} {
		m.pool.Assign(cid, "n:1", "h", "")
	}
	if err := m.Scale(1); err != nil {
		t.Fatal(err)
	}
	select {
	case stopped := <-fl.stopped:
		if len(stopped) != 2 || stopped[0].containerID != "c3" || stopped[1].containerID != "c2" {
			t.Errorf("stopped %v", stopped)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("scale down stopped nothing")
	}
	info := m.App()
	if info.ID != "app" || info.Name != "n" || info.Mode != "client" || info.State != "running" || info.TargetExecutors != 1 {
		t.Errorf("App() = %+v", info)
	}
}

func TestMasterDriverFinished(t *testing.T) {
	m, _ := testMaster(&spec.App{ID: "a", Mode: spec.ModeClient}, 0)
	m.DriverFinished(container.DriverFinish{ExitCode: 0})
	m.DriverFinished(container.DriverFinish{ExitCode: 9}) // only the first outcome counts
	r := <-m.done
	if r.status != yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED || r.diagnostics != "the driver exited 0" {
		t.Errorf("exit 0: %+v", r)
	}
	select {
	case r := <-m.done:
		t.Errorf("second outcome delivered: %+v", r)
	default:
	}

	m, _ = testMaster(&spec.App{ID: "a", Mode: spec.ModeClient}, 0)
	m.DriverFinished(container.DriverFinish{ExitCode: 2})
	if r := <-m.done; r.status != yarnpb.FinalApplicationStatusProto_APP_FAILED || r.diagnostics != "the driver exited with code 2" {
		t.Errorf("exit 2: %+v", r)
	}
	m, _ = testMaster(&spec.App{ID: "a", Mode: spec.ModeClient}, 0)
	m.DriverFinished(container.DriverFinish{ExitCode: 1, Diagnostics: "lost the input"})
	if r := <-m.done; r.diagnostics != "lost the input" {
		t.Errorf("diagnostics: %+v", r)
	}
}

func TestWatchDriverTimeout(t *testing.T) {
	m, _ := testMaster(&spec.App{ID: "a", Mode: spec.ModeClient, DriverTimeout: spec.Duration(300 * time.Millisecond)}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	go m.watchDriver(ctx)
	select {
	case r := <-m.done:
		if r.status != yarnpb.FinalApplicationStatusProto_APP_FAILED {
			t.Errorf("status = %v", r.status)
		}
		for _, w := range []string{"the driver disconnected", "no heartbeat", "spindle.driver.timeout=300ms"} {
			if !strings.Contains(r.diagnostics, w) {
				t.Errorf("%q does not contain %q", r.diagnostics, w)
			}
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("declared the driver gone after %s, before the timeout", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no outcome after the driver went silent")
	}
}

func TestWatchDriverHeartbeatsKeepAlive(t *testing.T) {
	// Heartbeats every 50 ms for well over the timeout keep the driver alive. The
	// timeout is generous so that a slow machine cannot make them look like silence.
	m, _ := testMaster(&spec.App{ID: "a", Mode: spec.ModeClient, DriverTimeout: spec.Duration(time.Second)}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { m.watchDriver(ctx); close(stopped) }()
	deadline := time.Now().Add(2500 * time.Millisecond)
	for time.Now().Before(deadline) {
		m.DriverHeartbeat()
		select {
		case r := <-m.done:
			t.Fatalf("outcome despite heartbeats: %+v", r)
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("watchDriver did not return on cancel")
	}
	select {
	case r := <-m.done:
		t.Errorf("outcome after cancel: %+v", r)
	default:
	}
}

func TestWatchExecutorsOnly(t *testing.T) {
	m, _ := testMaster(&spec.App{ID: "a", Mode: spec.ModeCluster}, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.watchExecutorsOnly(ctx)
	m.pool.Assign("c1", "n:1", "h", "")
	m.pool.Assign("c2", "n:1", "h", "")
	m.pool.Completed("c1", 0, "")
	m.pool.Completed("c2", 1, "") // failed: replaced, so not done yet
	select {
	case r := <-m.done:
		t.Fatalf("finished with a replacement pending: %+v", r)
	case <-time.After(100 * time.Millisecond):
	}
	m.pool.Assign("c3", "n:1", "h", "")
	m.pool.Completed("c3", 0, "")
	select {
	case r := <-m.done:
		if r.status != yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED || r.diagnostics != "all 2 executors completed" {
			t.Errorf("outcome = %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no outcome after all executors completed")
	}
}

func TestExecutorLaunchContext(t *testing.T) {
	a := &spec.App{ID: "application_1_0001", Mode: spec.ModeCluster,
		Executor:  spec.Process{Command: []string{"./app", "two words"}, Env: map[string]string{"USER_VAR": "x"}},
		Resources: []spec.Resource{{Name: "app", URL: "hdfs://nn:8020/s/app", Type: spec.TypeFile, Visibility: spec.VisibilityApplication}}}
	m, _ := testMaster(a, 1)
	m.creds = &credentialSet{executor: []byte("HDTS\x00tokens")}
	e := m.pool.Assign("c1", "n:1", "h", "")
	clc, err := m.executorLaunchContext(e)
	if err != nil {
		t.Fatal(err)
	}
	// The command is the same for every application; what the executor runs,
	// and the user's environment, come from the launch file, never through bash.
	if want := "./spindle executor --launch spindle-executor.json 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr"; clc.GetCommand()[0] != want {
		t.Errorf("command = %q, want %q", clc.GetCommand()[0], want)
	}
	env := map[string]string{}
	for _, kv := range clc.GetEnvironment() {
		env[kv.GetKey()] = kv.GetValue()
	}
	if _, ok := env["USER_VAR"]; ok {
		t.Error("a user variable is in the launch context's environment")
	}
	for k, v := range map[string]string{container.EnvRole: container.RoleExecutor, container.EnvAppID: "application_1_0001",
		container.EnvExecutorID: "1", container.EnvAMURL: "http://127.0.0.1:1", "HADOOP_CONF_DIR": "{{PWD}}/__spindle_conf__"} {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env[container.EnvSecret]; ok {
		t.Error("the secret must travel in the credentials, not the environment")
	}
	if string(clc.GetTokens()) != "HDTS\x00tokens" || len(clc.GetLocalResources()) != 1 {
		t.Errorf("tokens %q, resources %v", clc.GetTokens(), clc.GetLocalResources())
	}
	if a.Executor.Env[container.EnvRole] != "" {
		t.Error("executorLaunchContext modified the spec's environment")
	}
}

func TestSplitComma(t *testing.T) {
	got := splitComma("a:1,,b:2,")
	if len(got) != 2 || got[0] != "a:1" || got[1] != "b:2" {
		t.Errorf("splitComma = %q", got)
	}
	if splitComma("") != nil {
		t.Error("splitComma(\"\") not nil")
	}
}

func TestMasterShutdown(t *testing.T) {
	m, fl := testMaster(&spec.App{ID: "a", Mode: spec.ModeCluster}, 2)
	m.pool.Assign("c1", "n:1", "h", "")
	m.pool.Assign("c2", "n:1", "h", "")
	m.pool.Completed("c1", 0, "")
	cleaned := 0
	m.cleanup = func(context.Context) error { cleaned++; return errors.New("cleanup trouble is only logged") }
	s := newFakeScheduler()
	if err := m.shutdown(succeeded("the driver exited 0"), s, "http://am/"); err != nil {
		t.Fatal(err)
	}
	select {
	case stopped := <-fl.stopped:
		if len(stopped) != 1 || stopped[0].containerID != "c2" {
			t.Errorf("stopped %v, want the live executor", stopped)
		}
	default:
		t.Error("live executors not stopped")
	}
	if len(s.finished) != 1 || s.finished[0] != "APP_SUCCEEDED the driver exited 0 http://am/" {
		t.Errorf("Finish calls = %q", s.finished)
	}
	if cleaned != 1 || m.App().State != "finishing" {
		t.Errorf("cleaned %d times, state %q", cleaned, m.App().State)
	}

	// When unregistering fails the staging directory stays for the next attempt.
	m, _ = testMaster(&spec.App{ID: "a", Mode: spec.ModeCluster}, 0)
	cleaned = 0
	m.cleanup = func(context.Context) error { cleaned++; return nil }
	s = newFakeScheduler()
	s.finishErr = errors.New("RM unreachable")
	err := m.shutdown(failed("x"), s, "")
	if err == nil || !strings.Contains(err.Error(), "unregister") || !strings.Contains(err.Error(), "RM unreachable") {
		t.Errorf("shutdown = %v", err)
	}
	if cleaned != 0 {
		t.Error("staging cleaned although unregistering failed")
	}
}

// TestExecutorCredentials: executor containers get the AM's credentials
// without the AMRM token and with the executors' secret instead of the
// application's, so they cannot act as the driver.
func TestExecutorCredentials(t *testing.T) {
	am := &creds.Credentials{}
	am.AddToken("", creds.Token{Kind: creds.AMRMTokenKind, Identifier: []byte("id"), Password: []byte("pw")})
	am.AddToken("hdfs", creds.Token{Kind: "HDFS_DELEGATION_TOKEN", Identifier: []byte("d"), Password: []byte("p"), Service: "nn:8020"})
	am.AddSecret(spec.SecretAlias, []byte("app-secret"))
	b, err := executorCredentials(am, "app-secret")
	if err != nil {
		t.Fatal(err)
	}
	got, err := creds.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.FindToken(creds.AMRMTokenKind); ok {
		t.Error("executors get the AMRM token")
	}
	if _, ok := got.Token("hdfs"); !ok {
		t.Error("executors lose the other tokens")
	}
	if s, ok := got.Secret(spec.SecretAlias); ok {
		t.Errorf("executors get the application secret %q", s)
	}
	if s, _ := got.Secret(spec.ExecutorSecretAlias); string(s) != spec.ExecutorSecret("app-secret") {
		t.Errorf("executors' secret = %q, want the derived one", s)
	}
	if _, ok := am.Secret(spec.SecretAlias); !ok {
		t.Error("executorCredentials changed the AM's own credentials")
	}
}
