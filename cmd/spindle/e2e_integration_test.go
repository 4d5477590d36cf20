//go:build integration

package main

// End-to-end tests: the real spindle binary, run as a subprocess, against the
// real YARN test cluster on this machine (Hadoop 3.2.2 or 3.3.5, HDFS). They need
// HADOOP_CONF_DIR (every test is skipped without it):
//
//	source <(/work/shared/yarn-testcluster/env.sh)
//	go test -tags integration -run E2E -v -timeout 30m ./cmd/spindle/
//
// TestMain builds spindle, examples/pi and the helper programs under
// testdata/e2e once per run (CGO_ENABLED=0) into a temporary directory. The
// spindle binary carries a version unique to the run, so its entry in the
// binary cache (~/.spindle/cache/<sha256>) is ours alone and is removed at the
// end. Outcomes are checked on the cluster with our own client package, the
// driver's and the AM's logs are read from the NodeManager's log directory,
// and what runs on the node is found through /proc (the test cluster is a
// single node, run as the same user).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// e2eNMLogDir is the test cluster's NodeManager log directory: nm-logs in its
// data directory under YTC_HOME (env.sh exports it; default /opt/yarn-testcluster).
var e2eNMLogDir = func() string {
	home := os.Getenv("YTC_HOME")
	if home == "" {
		home = "/opt/yarn-testcluster"
	}
	return filepath.Join(home, "data", "nm-logs")
}()

// Sizes: small, so that several applications fit on the one node.
var e2eSizes = []string{"--executor-memory", "128m", "--driver-memory", "256m"}

// e2eBins are the programs TestMain built; zero when HADOOP_CONF_DIR is unset.
type e2eBins struct {
	dir                                 string
	spindle, pi, exit3, sleeper, crashy string
	probe                               string
	buildErr                            error
}

var e2e e2eBins

func TestMain(m *testing.M) {
	code := func() int {
		if os.Getenv("HADOOP_CONF_DIR") == "" {
			return m.Run() // the E2E tests skip themselves
		}
		dir, err := os.MkdirTemp("", "spindle-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		e2e = buildE2E(dir)
		code := m.Run()
		if e2e.buildErr == nil {
			removeCacheEntry(e2e.spindle)
		}
		return code
	}()
	os.Exit(code)
}

// buildE2E builds everything the tests run into dir.
func buildE2E(dir string) e2eBins {
	b := e2eBins{dir: dir}
	start := time.Now()
	version := fmt.Sprintf("e2e-%d", time.Now().UnixNano())
	builds := []struct {
		out   *string
		name  string
		pkg   string
		flags []string
	}{
		{&b.spindle, "spindle", ".", []string{"-ldflags", "-X main.version=" + version}},
		{&b.pi, "pi", "../../examples/pi", nil},
		{&b.exit3, "exit3", "../../testdata/e2e/exit3", nil},
		{&b.sleeper, "sleeper", "../../testdata/e2e/sleeper", nil},
		{&b.crashy, "crashy", "../../testdata/e2e/crashy", nil},
		{&b.probe, "probe", "../../testdata/e2e/probe", nil},
	}
	for _, bd := range builds {
		out := filepath.Join(dir, "bin", bd.name)
		if err := goBuild(out, bd.pkg, bd.flags...); err != nil {
			b.buildErr = err
			return b
		}
		*bd.out = out
	}
	fmt.Fprintf(os.Stderr, "e2e: built spindle %s and the helpers in %s\n", version, time.Since(start).Round(time.Millisecond))
	// SPINDLE_E2E_SPINDLE runs the tests against another spindle binary (an
	// older build, to see that a test fails without a fix).
	if other := os.Getenv("SPINDLE_E2E_SPINDLE"); other != "" {
		b.spindle = other
		fmt.Fprintf(os.Stderr, "e2e: testing the spindle binary %s (SPINDLE_E2E_SPINDLE)\n", other)
	}
	return b
}

// goBuild builds pkg (relative to this directory) into out, statically.
func goBuild(out, pkg string, flags ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	args := append(append([]string{"build", "-o", out}, flags...), pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return nil
}

// removeCacheEntry deletes the binary cache entry of a spindle build that only
// this test run used.
func removeCacheEntry(bin string) {
	sum, err := fileSHA256(bin)
	if err != nil {
		return
	}
	if home, err := os.UserHomeDir(); err == nil {
		os.RemoveAll(filepath.Join(home, ".spindle", "cache", sum))
	}
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// needCluster skips the test without HADOOP_CONF_DIR and fails it when the
// build failed.
func needCluster(t *testing.T) {
	t.Helper()
	if os.Getenv("HADOOP_CONF_DIR") == "" {
		t.Skip("HADOOP_CONF_DIR is not set: these end-to-end tests need the YARN test cluster; run `source <(/work/shared/yarn-testcluster/env.sh)` first")
	}
	if e2e.buildErr != nil {
		t.Fatalf("building the test programs failed: %v", e2e.buildErr)
	}
}

// cluster connects our own client to the test cluster, to check outcomes.
func e2eCluster(t *testing.T) *client.Cluster {
	t.Helper()
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatalf("load the Hadoop configuration: %v", err)
	}
	cl, err := client.Connect(conf)
	if err != nil {
		t.Fatalf("connect to the cluster: %v", err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// ---- running spindle ----

// e2eProc is a spindle process started by a test, with its output in files (so
// that children inheriting the streams never hold up Wait).
type e2eProc struct {
	cmd              *exec.Cmd
	stdoutF, stderrF string
	started          time.Time
	done             chan struct{}
	code             int // valid after done; -1 when killed by a signal
	elapsed          time.Duration
}

// startSpindle starts the spindle binary with args in its own process group.
// env nil means this process's environment. At cleanup anything still running
// in the group is killed, and the output is logged if the test failed.
func startSpindle(t *testing.T, env []string, args ...string) *e2eProc {
	t.Helper()
	return startBinary(t, e2e.spindle, env, args...)
}

func startBinary(t *testing.T, bin string, env []string, args ...string) *e2eProc {
	t.Helper()
	dir := t.TempDir()
	p := &e2eProc{stdoutF: filepath.Join(dir, "stdout"), stderrF: filepath.Join(dir, "stderr"), done: make(chan struct{})}
	stdout, err := os.Create(p.stdoutF)
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := os.Create(p.stderrF)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = stdout, stderr
	p.cmd.Env = env
	p.cmd.Dir = dir
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	t.Logf("$ %s %s", filepath.Base(bin), strings.Join(args, " "))
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	stdout.Close()
	stderr.Close()
	go func() {
		err := p.cmd.Wait()
		p.elapsed = time.Since(p.started)
		p.code = p.cmd.ProcessState.ExitCode()
		if err != nil && p.code == 0 {
			p.code = -1
		}
		close(p.done)
	}()
	pgid := p.cmd.Process.Pid
	t.Cleanup(func() {
		_ = syscall.Kill(-pgid, syscall.SIGKILL) // spindle and anything it started here
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not end after SIGKILL", bin)
		}
		if t.Failed() {
			t.Logf("stdout of %s %s:\n%s", filepath.Base(bin), strings.Join(args, " "), p.stdout())
			t.Logf("stderr:\n%s", p.stderr())
		}
	})
	return p
}

func (p *e2eProc) stdout() string { b, _ := os.ReadFile(p.stdoutF); return string(b) }
func (p *e2eProc) stderr() string { b, _ := os.ReadFile(p.stderrF); return string(b) }

// wait waits for the process to end (killing it when ctx ends first) and
// returns its exit code.
func (p *e2eProc) wait(t *testing.T, ctx context.Context) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-ctx.Done():
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		t.Fatalf("spindle did not end in time (%v); killed it", ctx.Err())
		return 0
	}
}

// waitOutput polls stdout and stderr until re matches one of them and returns
// the submatches. It fails the test when ctx ends or the process exits first.
func (p *e2eProc) waitOutput(t *testing.T, ctx context.Context, re *regexp.Regexp) []string {
	t.Helper()
	for {
		for _, s := range []string{p.stderr(), p.stdout()} {
			if m := re.FindStringSubmatch(s); m != nil {
				return m
			}
		}
		select {
		case <-p.done:
			for _, s := range []string{p.stderr(), p.stdout()} {
				if m := re.FindStringSubmatch(s); m != nil {
					return m
				}
			}
			t.Fatalf("spindle exited (code %d) before printing %q", p.code, re)
		case <-ctx.Done():
			t.Fatalf("spindle did not print %q in time: %v", re, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var submittedRE = regexp.MustCompile(`submitted (application_\d+_\d+)`)

// runSpindle runs spindle to its end within ctx.
func runSpindle(t *testing.T, ctx context.Context, env []string, args ...string) *e2eProc {
	t.Helper()
	p := startSpindle(t, env, args...)
	p.wait(t, ctx)
	t.Logf("spindle exited %d after %s", p.code, p.elapsed.Round(time.Millisecond))
	return p
}

// ---- checking the cluster ----

// e2eApp is an application a test submitted: its id, and the cleanup that kills
// it if it is still alive and removes what it left behind.
type e2eApp struct {
	id  client.ApplicationID
	str string
}

// trackApp takes the application id spindle printed and registers the
// cleanup: kill the application if it has not ended (`yarn application -kill`,
// or our client when the CLI is not at hand) and delete a staging directory
// left behind.
func trackApp(t *testing.T, cl *client.Cluster, idStr string) e2eApp {
	t.Helper()
	id, err := client.ParseApplicationID(idStr)
	if err != nil {
		t.Fatalf("spindle printed a malformed application id %q: %v", idStr, err)
	}
	t.Logf("application %s", idStr)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if r, err := cl.Report(ctx, id); err == nil && !r.Terminal() {
			t.Logf("cleanup: %s is still %s: killing it", idStr, r.State)
			if _, err := exec.LookPath("yarn"); err == nil {
				out, err := exec.CommandContext(ctx, "yarn", "application", "-kill", idStr).CombinedOutput()
				if err != nil {
					t.Logf("yarn application -kill %s: %v\n%s", idStr, err, out)
				}
			}
			if r, err := cl.Report(ctx, id); err == nil && !r.Terminal() {
				if _, err := cl.Kill(ctx, id, "killed by the e2e test's cleanup", nil); err != nil {
					t.Errorf("cleanup: could not kill %s: %v", idStr, err)
				}
			}
		}
		if fsys, dir := e2eStaging(t, idStr); fsys != nil {
			_ = fsys.RemoveAll(ctx, dir)
			fsys.Close()
		}
	})
	return e2eApp{id: id, str: idStr}
}

// waitTerminal polls the application's report until it has ended.
func waitTerminal(t *testing.T, ctx context.Context, cl *client.Cluster, a e2eApp) *client.Report {
	t.Helper()
	for {
		r, err := cl.Report(ctx, a.id)
		if err == nil && r.Terminal() {
			return r
		}
		select {
		case <-ctx.Done():
			if r != nil {
				t.Fatalf("%s did not end in time: still %s (%s)", a.str, r.State, r.Diagnostics)
			}
			t.Fatalf("%s did not end in time: %v", a.str, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// waitState polls the application's report until it is in state.
func waitState(t *testing.T, ctx context.Context, cl *client.Cluster, a e2eApp, state string) *client.Report {
	t.Helper()
	for {
		r, err := cl.Report(ctx, a.id)
		if err == nil && r.State == state {
			return r
		}
		if err == nil && r.Terminal() {
			t.Fatalf("%s ended %s/%s before reaching %s: %s", a.str, r.State, r.FinalStatus, state, r.Diagnostics)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s did not reach %s in time (last: %v, %v)", a.str, state, r, err)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// e2eStaging opens the staging filesystem of the cluster's configuration
// (HDFS on the test cluster) and returns it with the application's staging
// directory; the caller closes it. It returns nil after reporting an error.
func e2eStaging(t *testing.T, id string) (staging.FS, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Error(err)
		return nil, ""
	}
	fsys, err := staging.Open(ctx, conf, nil, "")
	if err != nil {
		t.Error(err)
		return nil, ""
	}
	return fsys, staging.StagingDir(fsys.Home(ctx), id)
}

// checkNoStaging fails unless the application's staging directory is gone,
// allowing within for an ApplicationMaster that deletes it after unregistering.
func checkNoStaging(t *testing.T, id string, within time.Duration) {
	t.Helper()
	fsys, dir := e2eStaging(t, id)
	if fsys == nil {
		return
	}
	defer fsys.Close()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err := fsys.Stat(ctx, dir)
		cancel()
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the staging directory %s is still there (%v)", fsys.URL(dir), err)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// amLog returns a file ("stdout" or "stderr") of the application's first
// container: the ApplicationMaster, and in cluster mode the driver.
func amLog(t *testing.T, id, file string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(e2eNMLogDir, id, "container_*_01_000001", file))
	if len(matches) == 0 {
		t.Fatalf("no AM container log %s under %s", file, filepath.Join(e2eNMLogDir, id))
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// appProcesses lists the processes on this node whose working directory is
// inside one of the application's containers.
func appProcesses(id string) []string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	marker := "/appcache/" + id + "/"
	var out []string
	for _, d := range dirs {
		cwd, err := os.Readlink(filepath.Join(d, "cwd"))
		if err != nil || !strings.Contains(cwd+"/", marker) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(d, "cmdline"))
		out = append(out, fmt.Sprintf("pid %s: %s", filepath.Base(d), strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))))
	}
	return out
}

// checkNothingRunning fails unless no process of the application is left on
// the node within the grace period (the NodeManager reaps containers).
func checkNothingRunning(t *testing.T, id string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		left := appProcesses(id)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s still has processes on the node %s after it ended:\n%s", id, within, strings.Join(left, "\n"))
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// ---- the tests ----

// 1. pi in cluster mode: the driver runs in the AM's container and computes pi
// with three executors.
func TestE2EClusterPi(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "3"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, e2e.pi, "100000")...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	if code := p.wait(t, ctx); code != 0 {
		t.Fatalf("spindle exited %d, want 0", code)
	}
	t.Logf("spindle exited 0 after %s", p.elapsed.Round(time.Millisecond))
	r := waitTerminal(t, ctx, cl, a)
	if !r.Succeeded() {
		t.Errorf("report: %s/%s (%s), want FINISHED/SUCCEEDED", r.State, r.FinalStatus, r.Diagnostics)
	}
	if r.Type != client.ApplicationType {
		t.Errorf("application type %q, want %q", r.Type, client.ApplicationType)
	}
	if !strings.Contains(p.stderr(), a.str+" ended FINISHED/SUCCEEDED") {
		t.Errorf("spindle did not report the outcome on stderr")
	}
	driverOut := amLog(t, a.str, "stdout")
	if !regexp.MustCompile(`Pi is roughly 3\.\d+ \(300000 samples from 3 executors\)`).MatchString(driverOut) {
		t.Errorf("the driver's log does not say \"Pi is roughly 3.x (300000 samples from 3 executors)\":\n%s", driverOut)
	}
	checkNoStaging(t, a.str, 0)
	// The stock Hadoop CLI agrees (when it is on PATH).
	if _, err := exec.LookPath("yarn"); err == nil {
		out, err := exec.CommandContext(ctx, "yarn", "application", "-status", a.str).CombinedOutput()
		if err != nil {
			t.Errorf("yarn application -status %s: %v\n%s", a.str, err, out)
		} else if !regexp.MustCompile(`Final-State : SUCCEEDED`).Match(out) || !regexp.MustCompile(`State : FINISHED`).Match(out) {
			t.Errorf("yarn application -status %s does not say FINISHED/SUCCEEDED:\n%s", a.str, out)
		}
	}
	checkNothingRunning(t, a.str, 30*time.Second)
}

// 1b. --no-wait prints just the application id on stdout; the application
// still runs to success and the AM deletes the staging directory.
func TestE2EClusterPiNoWait(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "2", "--no-wait"}, e2eSizes...)
	p := runSpindle(t, ctx, nil, append(args, e2e.pi, "100000")...)
	if p.code != 0 {
		t.Fatalf("spindle --no-wait exited %d, want 0", p.code)
	}
	out := p.stdout()
	m := regexp.MustCompile(`\A(application_\d+_\d+)\n\z`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("stdout of --no-wait is %q, want just the application id and a newline", out)
	}
	a := trackApp(t, cl, m[1])
	if s := submittedRE.FindStringSubmatch(p.stderr()); s == nil || s[1] != a.str {
		t.Errorf("stderr does not log \"submitted %s\"", a.str)
	}
	if p.elapsed > time.Minute {
		t.Errorf("--no-wait took %s: it should return right after submitting", p.elapsed)
	}
	r := waitTerminal(t, ctx, cl, a)
	if !r.Succeeded() {
		t.Errorf("report: %s/%s (%s), want FINISHED/SUCCEEDED", r.State, r.FinalStatus, r.Diagnostics)
	}
	if out := amLog(t, a.str, "stdout"); !strings.Contains(out, "Pi is roughly") {
		t.Errorf("the driver's log has no \"Pi is roughly\":\n%s", out)
	}
	checkNoStaging(t, a.str, 20*time.Second) // the AM deletes it after unregistering
}

// 2. A driver that exits 3 fails the application, and says so.
func TestE2EDriverExit3(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "0"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, e2e.exit3)...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	code := p.wait(t, ctx)
	if code == 0 || code == -1 {
		t.Errorf("spindle exited %d, want a non-zero exit code of its own", code)
	}
	r := waitTerminal(t, ctx, cl, a)
	if r.FinalStatus != "FAILED" {
		t.Errorf("report: %s/%s, want final status FAILED", r.State, r.FinalStatus)
	}
	if !strings.Contains(r.Diagnostics, "exited with code 3") {
		t.Errorf("diagnostics %q do not mention the exit code 3", r.Diagnostics)
	}
	if !strings.Contains(p.stderr(), "exited with code 3") {
		t.Errorf("spindle's output does not mention the exit code 3")
	}
	if out := amLog(t, a.str, "stdout"); !strings.Contains(out, "exit3: "+a.str+" running as driver") {
		t.Errorf("the driver's log does not show it ran:\n%s", out)
	}
	checkNoStaging(t, a.str, 0)
	checkNothingRunning(t, a.str, 30*time.Second)
}

// execFailedRE and execRunningRE parse the AM's log: executors that failed with
// code 1, and every executor that started running.
var (
	execFailedRE  = regexp.MustCompile(`executor (\d+) \((container_\S+) on [^)]*\) exited with code 1`)
	execRunningRE = regexp.MustCompile(`executor (\d+) running in (container_\S+)`)
)

// 3. An executor that crashes once is replaced by a new executor and the
// application still succeeds.
func TestE2EExecutorCrashOnceReplaced(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	const n = 3
	marker := filepath.Join(t.TempDir(), "crashed")

	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", strconv.Itoa(n)}, e2eSizes...)
	p := startSpindle(t, nil, append(args, e2e.crashy, "once", marker)...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	if code := p.wait(t, ctx); code != 0 {
		t.Errorf("spindle exited %d, want 0", code)
	}
	r := waitTerminal(t, ctx, cl, a)
	if !r.Succeeded() {
		t.Fatalf("report: %s/%s (%s), want FINISHED/SUCCEEDED", r.State, r.FinalStatus, r.Diagnostics)
	}
	m, err := os.ReadFile(marker)
	if err != nil {
		t.Fatalf("no executor crashed: the marker was not created: %v", err)
	}
	crashed := regexp.MustCompile(`executor (\d+) of `).FindStringSubmatch(string(m))
	if crashed == nil {
		t.Fatalf("marker content %q", m)
	}
	t.Logf("executor %s crashed on purpose", crashed[1])

	amErr := amLog(t, a.str, "stderr")
	failedExecs := execFailedRE.FindAllStringSubmatch(amErr, -1)
	if len(failedExecs) != 1 || failedExecs[0][1] != crashed[1] {
		t.Errorf("the AM log should report executor %s exiting with code 1 (once), found %v:\n%s", crashed[1], failedExecs, amErr)
	}
	maxRunning := 0
	for _, mm := range execRunningRE.FindAllStringSubmatch(amErr, -1) {
		id, _ := strconv.Atoi(mm[1])
		maxRunning = max(maxRunning, id)
	}
	if maxRunning <= n {
		t.Errorf("the AM log shows no replacement executor (ids up to %d, want one > %d):\n%s", maxRunning, n, amErr)
	}
	// The driver got n results, one of them from the replacement.
	driverOut := amLog(t, a.str, "stdout")
	res := regexp.MustCompile(`crashy: (\d+) results from executors \[([\d ]+)\]`).FindStringSubmatch(driverOut)
	if res == nil || res[1] != strconv.Itoa(n) {
		t.Fatalf("the driver did not report %d results:\n%s", n, driverOut)
	}
	replaced := false
	for _, f := range strings.Fields(res[2]) {
		if f == crashed[1] {
			t.Errorf("the crashed executor %s delivered a result: %s", f, res[0])
		}
		if id, _ := strconv.Atoi(f); id > n {
			replaced = true
		}
	}
	if !replaced {
		t.Errorf("no result came from a replacement executor (id > %d): %s", n, res[0])
	}
	checkNoStaging(t, a.str, 0)
	checkNothingRunning(t, a.str, 30*time.Second)
}

// 4. Executors that always crash exhaust the failure budget and fail the
// application, which leaves nothing behind.
func TestE2EExecutorAlwaysCrashes(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "2",
		"--conf", "spindle.executor.maxFailures=2"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, e2e.crashy, "always")...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	code := p.wait(t, ctx)
	if code == 0 || code == -1 {
		t.Errorf("spindle exited %d, want a non-zero exit code of its own", code)
	}
	r := waitTerminal(t, ctx, cl, a)
	if r.FinalStatus != "FAILED" {
		t.Errorf("report: %s/%s, want final status FAILED", r.State, r.FinalStatus)
	}
	if !strings.Contains(r.Diagnostics, "exceeded the budget of 2") || !strings.Contains(r.Diagnostics, "spindle.executor.maxFailures") {
		t.Errorf("diagnostics %q do not name the failure budget (2, spindle.executor.maxFailures)", r.Diagnostics)
	}
	if !strings.Contains(r.Diagnostics, "exited with code 1") {
		t.Errorf("diagnostics %q do not say how the last executor failed", r.Diagnostics)
	}
	if !strings.Contains(p.stderr(), "exceeded the budget") {
		t.Errorf("spindle's output does not show the diagnostic")
	}
	if got := len(execFailedRE.FindAllString(amLog(t, a.str, "stderr"), -1)); got < 3 {
		t.Errorf("the AM log shows %d failed executors, want at least 3 (budget 2 exceeded)", got)
	}
	checkNoStaging(t, a.str, 0)
	checkNothingRunning(t, a.str, 30*time.Second)
}

// 5. Ctrl-C while a cluster-mode application runs kills it.
func TestE2EInterruptKillsApp(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "1"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, e2e.sleeper, "10m")...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	waitState(t, ctx, cl, a, "RUNNING")
	// Wait until the driver and the executor really run.
	for !strings.Contains(amLog(t, a.str, "stdout"), "sleeping") || len(appProcesses(a.str)) == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the driver did not start in time")
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
	sent := time.Now()
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	code := p.wait(t, wctx)
	took := time.Since(sent)
	t.Logf("spindle exited %d %s after SIGINT", code, took.Round(time.Millisecond))
	if code != 130 {
		t.Errorf("spindle exited %d after SIGINT, want 130", code)
	}
	if took > 30*time.Second {
		t.Errorf("spindle took %s to end after SIGINT", took)
	}
	r, err := cl.Report(ctx, a.id)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != "KILLED" {
		t.Errorf("after Ctrl-C the application is %s/%s (%s), want KILLED", r.State, r.FinalStatus, r.Diagnostics)
	}
	if !strings.Contains(p.stderr(), "interrupted: killing "+a.str) {
		t.Errorf("spindle did not say it kills the application")
	}
	checkNoStaging(t, a.str, 0)
	running, err := cl.Applications(ctx, client.ApplicationType)
	if err != nil {
		t.Fatal(err)
	}
	for _, rep := range running {
		if rep.ID == a.str && !rep.Terminal() {
			t.Errorf("%s is listed %s", a.str, rep.State)
		}
	}
	checkNothingRunning(t, a.str, 30*time.Second)
}

// 6. The spindle binary is uploaded once: a second identical submission finds
// it in the cache and uploads no byte of it.
func TestE2EBinaryCachedOnResubmit(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	// A spindle of its own (a unique version string, so a unique sha256), so
	// that the first submission must upload it whatever ran before.
	bin := filepath.Join(t.TempDir(), "spindle")
	if err := goBuild(bin, ".", "-ldflags", fmt.Sprintf("-X main.version=e2e-cache-%d", time.Now().UnixNano())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeCacheEntry(bin) })
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	stagedRE := regexp.MustCompile(`staged spindle: (\w+), (\d+) bytes uploaded \((\S+)\)`)
	args := append([]string{"submit", "-v", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "1"}, e2eSizes...)
	args = append(args, e2e.pi, "1000")
	var urls []string
	for i, want := range []struct {
		outcome string
		bytes   int64
	}{{"uploaded", st.Size()}, {"cached", 0}} {
		p := startBinary(t, bin, nil, args...)
		a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
		if code := p.wait(t, ctx); code != 0 {
			t.Fatalf("submission %d: spindle exited %d, want 0", i+1, code)
		}
		m := stagedRE.FindStringSubmatch(p.stderr())
		if m == nil {
			t.Fatalf("submission %d: no \"staged spindle: ...\" line in the -v output", i+1)
		}
		t.Logf("submission %d (%s): %s", i+1, a.str, m[0])
		if got, _ := strconv.ParseInt(m[2], 10, 64); m[1] != want.outcome || got != want.bytes {
			t.Errorf("submission %d: spindle binary %s with %s bytes uploaded, want %s with %d", i+1, m[1], m[2], want.outcome, want.bytes)
		}
		urls = append(urls, m[3])
		if r := waitTerminal(t, ctx, cl, a); !r.Succeeded() {
			t.Errorf("submission %d: %s/%s (%s)", i+1, r.State, r.FinalStatus, r.Diagnostics)
		}
		checkNoStaging(t, a.str, 0)
	}
	if urls[0] != urls[1] {
		t.Errorf("the two submissions used different cache entries: %s and %s", urls[0], urls[1])
	}
	sum, _ := fileSHA256(bin)
	if !strings.Contains(urls[0], "/.spindle/cache/"+sum+"/") {
		t.Errorf("the cache entry %s is not named by the binary's sha256 %s", urls[0], sum)
	}
}

// 7. Bad input fails with a clear error before anything is created on the
// cluster.
func TestE2EBadInput(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	files := t.TempDir()
	for _, d := range []string{"a", "b"} {
		if err := os.MkdirAll(filepath.Join(files, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(files, d, "x.txt"), []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(files, "no-such-file.txt")
	var noConfEnv []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "HADOOP_CONF_DIR" && k != "YARN_CONF_DIR" && k != "HADOOP_HOME" {
			noConfEnv = append(noConfEnv, kv)
		}
	}
	prefix := fmt.Sprintf("e2e-bad-%d-", time.Now().UnixNano())
	apps := func() map[string]string {
		t.Helper()
		reps, err := cl.Applications(ctx)
		if err != nil {
			t.Fatalf("list applications: %v", err)
		}
		out := map[string]string{}
		for _, r := range reps {
			out[r.ID] = r.Name
		}
		return out
	}
	before := apps()

	cases := []struct {
		name string
		env  []string
		args []string
		want []string // in stderr: the input and the fix
	}{
		{"missing HADOOP_CONF_DIR", noConfEnv, nil,
			[]string{"no Hadoop configuration found", "HADOOP_CONF_DIR is not set", "set HADOOP_CONF_DIR (or YARN_CONF_DIR)"}},
		{"--files does not exist", nil, []string{"--files", missing},
			[]string{missing, "does not exist"}},
		{"--files link names collide", nil, []string{"--files", filepath.Join(files, "a", "x.txt"), "--files", filepath.Join(files, "b", "x.txt")},
			[]string{`link name "x.txt"`, filepath.Join(files, "a", "x.txt"), filepath.Join(files, "b", "x.txt"), "#alias"}},
		{"--executor-memory above the maximum", nil, []string{"--executor-memory", "100g"},
			[]string{"--executor-memory", "102400 MB", "maximum container size of 4096 MB", "yarn.scheduler.maximum-allocation-mb", "at most 4096m"}},
		{"unknown queue", nil, []string{"--queue", "nosuch"},
			[]string{"--queue nosuch", "no such queue", "default", "batch"}},
		{"--num-executors -1", nil, []string{"--num-executors", "-1"},
			[]string{"--num-executors", `"-1"`, ">= 0"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--name", prefix + strconv.Itoa(i),
				"--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "256m"}
			args = append(append(args, c.args...), e2e.pi, "1000")
			rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
			defer rcancel()
			p := runSpindle(t, rctx, c.env, args...)
			if p.code == 0 || p.code == -1 {
				t.Errorf("spindle exited %d, want a non-zero exit code of its own", p.code)
			}
			stderr := p.stderr()
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, stderr)
				}
			}
			if m := submittedRE.FindStringSubmatch(stderr); m != nil {
				trackApp(t, cl, m[1])
				t.Errorf("spindle submitted %s", m[1])
			}
			if strings.Contains(stderr, "panic") {
				t.Errorf("spindle panicked:\n%s", stderr)
			}
			if p.elapsed > 20*time.Second {
				t.Errorf("the error took %s", p.elapsed)
			}
		})
	}
	after := apps()
	var others []string
	for id, name := range after {
		if _, ok := before[id]; ok {
			continue
		}
		if strings.HasPrefix(name, prefix) {
			t.Errorf("bad input created application %s (%s)", id, name)
			trackApp(t, cl, id)
			continue
		}
		others = append(others, id+" "+name)
	}
	t.Logf("applications on the RM: %d before, %d after", len(before), len(after))
	if len(others) > 0 {
		t.Logf("applications submitted meanwhile by others (not ours): %v", others)
	}
}

// 8. pi in client mode: the driver runs here, its output is spindle's.
func TestE2EClientPi(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "client", "--num-executors", "2"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, e2e.pi, "100000")...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	if code := p.wait(t, ctx); code != 0 {
		t.Errorf("spindle exited %d, want 0", code)
	}
	if out := p.stdout(); !regexp.MustCompile(`(?m)^Pi is roughly 3\.\d+ \(200000 samples from 2 executors\)$`).MatchString(out) {
		t.Errorf("spindle's stdout has no \"Pi is roughly 3.x (200000 samples from 2 executors)\":\n%s", out)
	}
	r := waitTerminal(t, ctx, cl, a)
	if !r.Succeeded() {
		t.Errorf("report: %s/%s (%s), want FINISHED/SUCCEEDED", r.State, r.FinalStatus, r.Diagnostics)
	}
	if out := amLog(t, a.str, "stdout"); strings.Contains(out, "Pi is roughly") {
		t.Errorf("in client mode the driver ran in the AM container:\n%s", out)
	}
	checkNoStaging(t, a.str, 20*time.Second)
	checkNothingRunning(t, a.str, 30*time.Second)
}

// 9. A client-mode spindle killed with SIGKILL stops heartbeating for its
// driver; the AM notices within spindle.driver.timeout and fails the
// application.
func TestE2EClientDriverKilled(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "client", "--num-executors", "1",
		"--conf", "spindle.driver.timeout=10s"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, e2e.sleeper, "10m")...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	p.waitOutput(t, ctx, regexp.MustCompile(`driver started locally`))
	p.waitOutput(t, ctx, regexp.MustCompile(`sleeper: \S+ sleeping`))
	waitState(t, ctx, cl, a, "RUNNING")
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	killed := time.Now()
	<-p.done
	tctx, tcancel := context.WithTimeout(ctx, 45*time.Second)
	defer tcancel()
	r := waitTerminal(t, tctx, cl, a)
	took := time.Since(killed)
	t.Logf("%s ended %s/%s %s after spindle was killed: %s", a.str, r.State, r.FinalStatus, took.Round(time.Millisecond), r.Diagnostics)
	if r.State != "FINISHED" || r.FinalStatus != "FAILED" {
		t.Errorf("report: %s/%s, want FINISHED/FAILED", r.State, r.FinalStatus)
	}
	if !strings.Contains(r.Diagnostics, "driver disconnected") || !strings.Contains(r.Diagnostics, "spindle.driver.timeout=10s") {
		t.Errorf("diagnostics %q do not say the driver disconnected (spindle.driver.timeout=10s)", r.Diagnostics)
	}
	if took > 35*time.Second {
		t.Errorf("the application took %s to end after the driver's spindle died (timeout 10s)", took)
	}
	checkNoStaging(t, a.str, 20*time.Second)
	checkNothingRunning(t, a.str, 30*time.Second)
	// The local driver was spindle's child; SIGKILL gives spindle no chance to stop it.
	if alive := syscall.Kill(-p.cmd.Process.Pid, 0) == nil; alive {
		t.Logf("note: the local driver outlived the SIGKILLed spindle (orphaned); the cleanup kills its process group")
	}
}

// 10. `spindle cluster` shows the node and the queues.
func TestE2EClusterCommand(t *testing.T) {
	needCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	p := runSpindle(t, ctx, nil, "cluster")
	if p.code != 0 {
		t.Fatalf("spindle cluster exited %d:\n%s", p.code, p.stderr())
	}
	out := p.stdout()
	if !regexp.MustCompile(`(?m)^localhost:18045\s+RUNNING\s`).MatchString(out) {
		t.Errorf("no line for the node localhost:18045 RUNNING:\n%s", out)
	}
	for _, q := range []string{"default", "batch"} {
		if !regexp.MustCompile(`(?m)^` + q + `\s+RUNNING\s`).MatchString(out) {
			t.Errorf("no line for the queue %s:\n%s", q, out)
		}
	}
	if !strings.Contains(out, "ResourceManager 127.0.0.1:18032") {
		t.Errorf("the ResourceManager's address is not shown:\n%s", out)
	}

	p = runSpindle(t, ctx, nil, "cluster", "--json")
	if p.code != 0 {
		t.Fatalf("spindle cluster --json exited %d:\n%s", p.code, p.stderr())
	}
	var info client.ClusterInfo
	dec := json.NewDecoder(strings.NewReader(p.stdout()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&info); err != nil {
		t.Fatalf("spindle cluster --json is not ClusterInfo JSON: %v\n%s", err, p.stdout())
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("spindle cluster --json printed more than one JSON value")
	}
	node := false
	for _, n := range info.Nodes {
		if n.ID == "localhost:18045" && n.State == "RUNNING" && n.TotalMemoryMB == 8192 {
			node = true
		}
	}
	if !node {
		t.Errorf("JSON nodes %+v lack localhost:18045 RUNNING with 8192 MB", info.Nodes)
	}
	queues := map[string]client.QueueInfo{}
	for _, q := range info.Queues {
		queues[q.Name] = q
	}
	for _, q := range []string{"default", "batch"} {
		if qi, ok := queues[q]; !ok || !qi.Leaf || qi.State != "RUNNING" {
			t.Errorf("JSON queues %+v: want a RUNNING leaf queue %s", info.Queues, q)
		}
	}
	if info.Metrics.Active < 1 || info.ResourceManager != "127.0.0.1:18032" {
		t.Errorf("JSON metrics %+v, resourceManager %q", info.Metrics, info.ResourceManager)
	}
}

// 11. An unreachable ResourceManager is reported promptly, by address.
// TestE2EUnreachableRM: an RM that never answers is retried for as long as
// yarn.resourcemanager.connect.max-wait.ms (15 minutes by default, as in
// Hadoop; 3 s here), then the command fails naming the address.
func TestE2EUnreachableRM(t *testing.T) {
	needCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	conf := t.TempDir()
	site := `<?xml version="1.0"?>
<configuration>
  <property><name>yarn.resourcemanager.address</name><value>127.0.0.1:1</value></property>
  <property><name>yarn.resourcemanager.connect.max-wait.ms</name><value>3000</value></property>
  <property><name>yarn.resourcemanager.connect.retry-interval.ms</name><value>1000</value></property>
</configuration>
`
	if err := os.WriteFile(filepath.Join(conf, "yarn-site.xml"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "HADOOP_CONF_DIR" && k != "YARN_CONF_DIR" {
			env = append(env, kv)
		}
	}
	env = append(env, "HADOOP_CONF_DIR="+conf, "YARN_CONF_DIR="+conf)
	p := runSpindle(t, ctx, env, "cluster")
	if p.code == 0 || p.code == -1 {
		t.Errorf("spindle cluster exited %d, want a non-zero exit code of its own", p.code)
	}
	if p.elapsed >= 30*time.Second {
		t.Errorf("spindle cluster took %s to give up", p.elapsed)
	}
	if !regexp.MustCompile(`127\.0\.0\.1:1\b`).MatchString(p.stderr()) {
		t.Errorf("the error does not name 127.0.0.1:1:\n%s", p.stderr())
	}
}

// TestE2ESubmitRefusedByRM: when the ResourceManager refuses the submission
// itself (an AM node label the cluster does not have), spindle says why and
// exits 1, and leaves no staging directory and no application running (it
// once panicked there, leaving both). A staging directory given as a URI on
// fs.defaultFS, as spark.yarn.stagingDir takes it, is used and removed.
func TestE2ESubmitRefusedByRM(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "1",
		"--conf", "spindle.yarn.am.nodeLabelExpression=nosuchlabel"}, e2eSizes...)
	p := runSpindle(t, ctx, nil, append(args, "--executor-command", "true")...)
	m := regexp.MustCompile(`submit (application_\d+_\d+): `).FindStringSubmatch(p.stderr())
	if p.code != 1 || m == nil || strings.Contains(p.stderr(), "panic") {
		t.Fatalf("spindle exited %d; want 1 with the ResourceManager's refusal of the submission:\n%s", p.code, p.stderr())
	}
	if r, err := cl.Report(ctx, trackApp(t, cl, m[1]).id); err == nil && !r.Terminal() {
		t.Errorf("%s is %s after the refused submission", m[1], r.State)
	}
	checkNoStaging(t, m[1], 0)

	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	u, err := conf.DefaultFS()
	if err != nil {
		t.Fatal(err)
	}
	dir := u.String() + "/tmp/spindle-e2e-staging"
	args = append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "1",
		"--conf", "spark.yarn.stagingDir=" + dir}, e2eSizes...)
	p = runSpindle(t, ctx, nil, append(args, "--executor-command", "true")...)
	if p.code != 0 || !strings.Contains(p.stderr(), "FINISHED/SUCCEEDED") {
		t.Fatalf("with spark.yarn.stagingDir=%s spindle exited %d:\n%s", dir, p.code, p.stderr())
	}
	id := submittedRE.FindStringSubmatch(p.stderr())
	fsys, err := staging.Open(ctx, conf, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	if _, err := fsys.Stat(ctx, "/tmp/spindle-e2e-staging/"+id[1]); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the staging directory /tmp/spindle-e2e-staging/%s: %v; want it gone", id[1], err)
	}
}
