//go:build integration

package main

// The fault suite: applications in cluster and client mode ride out restarts
// and failures of the cluster's daemons. It restarts daemons, so it runs only
// with SPINDLE_TEST_FAULTS=1, against a test cluster of one's own (YTC_HOME,
// YTC_PORT_BASE) and serially (go test -p 1). The test cluster's scripts are
// taken from YTC_SCRIPTS (default ../shared/yarn-testcluster beside the
// repository). The HA cases need the RM-HA profile started and its
// environment (source <(profiles/ha/env.sh)) and SPINDLE_TEST_HA=1; the other
// cases skip then, and vice versa; SPINDLE_TEST_NM_LOG_DIR names its
// NodeManager's log directory (default: the test cluster's data/nm-logs).
//
// Each case submits one application in cluster mode and one in client mode at
// once (the faulty program of testdata/e2e), injects the fault once both are
// running, and checks for each: exit code 0, FINISHED/SUCCEEDED, the driver's
// own check ("faulty: OK": the key-value store and, where they must be kept,
// the same executors, all talking to the current AM), nothing left running
// with SPINDLE_APP_ID=<id>, and the staging directory gone.

import (
	"context"

	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// faultCase is one fault and what the applications must survive.
type faultCase struct {
	duration string            // how long the driver runs after its executors are up
	keep     bool              // the first executors must still run at the end
	attempts int               // --max-app-attempts (0: the cluster's)
	env      map[string]string // --env for driver and executors
	conf     []string          // extra --conf
	inject   func(t *testing.T, apps []*faultApp)
	check    func(t *testing.T, a *faultApp) // extra checks after the end
}

// faultApp is one application of a case.
type faultApp struct {
	mode string
	p    *e2eProc
	app  e2eApp
}

func needFaults(t *testing.T, ha bool) {
	t.Helper()
	if os.Getenv("SPINDLE_TEST_FAULTS") != "1" {
		t.Skip("set SPINDLE_TEST_FAULTS=1 (and use a test cluster of your own): the fault tests restart daemons")
	}
	if (os.Getenv("SPINDLE_TEST_HA") == "1") != ha {
		if ha {
			t.Skip("an RM-HA case: start profiles/ha, source its env.sh and set SPINDLE_TEST_HA=1")
		}
		t.Skip("a single-RM case: not run against the RM-HA profile (SPINDLE_TEST_HA=1)")
	}
	needCluster(t)
}

// ytcScripts is the test cluster's scripts directory.
func ytcScripts() string {
	if d := os.Getenv("YTC_SCRIPTS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "yarn-testcluster")
}

// script runs one of the test cluster's scripts (path relative to ytcScripts).
func script(t *testing.T, name string, args ...string) {
	t.Helper()
	scriptEnv(t, nil, name, args...)
}

// scriptEnv runs a script with extra environment variables.
func scriptEnv(t *testing.T, env []string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(ytcScripts(), name), args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s (%s): %s", name, strings.Join(args, " "), time.Since(start).Round(time.Second), strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
}

var faultyOnce struct {
	sync.Once
	bin string
	err error
}

// faultyBin builds testdata/e2e/faulty once.
func faultyBin(t *testing.T) string {
	t.Helper()
	faultyOnce.Do(func() {
		faultyOnce.bin = filepath.Join(e2e.dir, "bin", "faulty")
		faultyOnce.err = goBuild(faultyOnce.bin, "../../testdata/e2e/faulty")
	})
	if faultyOnce.err != nil {
		t.Fatal(faultyOnce.err)
	}
	return faultyOnce.bin
}

var readyRE = regexp.MustCompile(`faulty: ready: executors (\S+) running`)

// runFaultCase runs c with one application per mode.
func runFaultCase(t *testing.T, c faultCase) {
	cl := e2eCluster(t)
	bin := faultyBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	var apps []*faultApp
	for _, mode := range []string{"cluster", "client"} {
		args := []string{"submit", "--master", "yarn", "--deploy-mode", mode, "--num-executors", "2",
			"--name", "fault-" + mode, "--conf", "spindle.yarn.am.memory=256m",
			"--conf", "spindle.hadoop.yarn.scheduler.include-port-in-node-name=true"}
		args = append(args, e2eSizes...)
		if c.attempts > 0 {
			args = append(args, "--max-app-attempts", strconv.Itoa(c.attempts))
		}
		for k, v := range c.env {
			args = append(args, "--env", k+"="+v)
		}
		for _, kv := range c.conf {
			args = append(args, "--conf", kv)
		}
		args = append(args, bin, c.duration, map[bool]string{true: "1", false: "0"}[c.keep])
		p := startSpindle(t, nil, args...)
		id := p.waitOutput(t, ctx, submittedRE)[1]
		apps = append(apps, &faultApp{mode: mode, p: p, app: trackApp(t, cl, id)})
	}
	for _, a := range apps {
		a.waitReady(t, ctx)
	}
	if c.inject != nil {
		c.inject(t, apps)
	}
	for _, a := range apps {
		code := a.p.wait(t, ctx)
		rep := waitTerminal(t, ctx, cl, a.app)
		t.Logf("%s mode: %s exited %d after %s; %s/%s", a.mode, a.app.str, code, a.p.elapsed.Round(time.Second), rep.State, rep.FinalStatus)
		if code != 0 || !rep.Succeeded() {
			t.Errorf("%s mode: exit code %d, %s/%s (%s); want 0 and FINISHED/SUCCEEDED", a.mode, code, rep.State, rep.FinalStatus, rep.Diagnostics)
		}
		if out := a.driverOutput(t); !strings.Contains(out, "faulty: OK") {
			t.Errorf("%s mode: the driver's check did not pass:\n%s", a.mode, lastLines(out, 15))
		}
		if c.check != nil {
			c.check(t, a)
		}
		checkNoStaging(t, a.app.str, time.Minute)
		checkNoAppEnv(t, a.app.str, time.Minute)
		checkNothingRunning(t, a.app.str, time.Minute)
	}
}

// waitReady waits until the driver has its executors.
func (a *faultApp) waitReady(t *testing.T, ctx context.Context) {
	t.Helper()
	for {
		if m := readyRE.FindStringSubmatch(a.driverOutput(t)); m != nil {
			t.Logf("%s mode: %s ready with executors %s", a.mode, a.app.str, m[1])
			return
		}
		select {
		case <-a.p.done:
			t.Fatalf("%s mode: spindle exited %d before the driver was ready", a.mode, a.p.code)
		case <-ctx.Done():
			t.Fatalf("%s mode: the driver was not ready in time", a.mode)
		case <-time.After(time.Second):
		}
	}
}

// driverOutput is the driver's stdout: spindle's own in client mode, the AM
// containers' (every attempt) in cluster mode.
func (a *faultApp) driverOutput(t *testing.T) string {
	if a.mode == "client" {
		return a.p.stdout()
	}
	return containerLogs(a.app.str, "*_000001", "stdout")
}

// containerLogs concatenates a file of the application's containers whose
// ids match the glob pattern (every attempt and epoch).
func containerLogs(id, pattern, file string) string {
	dirs := []string{e2eNMLogDir}
	if d := os.Getenv("SPINDLE_TEST_NM_LOG_DIR"); d != "" { // the RM-HA profile keeps its own
		dirs = []string{d}
	}
	// the NodeManagers of add-nm.sh keep theirs in data/nmK/nm-logs
	extra, _ := filepath.Glob(filepath.Join(filepath.Dir(e2eNMLogDir), "nm[1-9]", "nm-logs"))
	var matches []string
	for _, d := range append(dirs, extra...) {
		m, _ := filepath.Glob(filepath.Join(d, id, "container_"+pattern, file))
		matches = append(matches, m...)
	}
	var b strings.Builder
	for _, m := range matches {
		if data, err := os.ReadFile(m); err == nil {
			b.Write(data)
		}
	}
	return b.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// envProcesses returns the pids of processes whose environment holds all of vars.
func envProcesses(vars ...string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil {
			continue
		}
		all := true
		for _, v := range vars {
			all = all && strings.Contains("\x00"+string(env)+"\x00", "\x00"+v+"\x00")
		}
		if all {
			if pid, err := strconv.Atoi(filepath.Base(d)); err == nil && pid != os.Getpid() {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// checkNoAppEnv fails when a process with SPINDLE_APP_ID=id in its
// environment is still running after within.
func checkNoAppEnv(t *testing.T, id string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		pids := envProcesses("SPINDLE_APP_ID=" + id)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("processes of %s still running: %v", id, pids)
			return
		}
		time.Sleep(time.Second)
	}
}

// killAM kills the first AM attempt's process (SIGKILL), as a crash would.
func killAM(t *testing.T, a *faultApp) {
	t.Helper()
	suffix := strings.TrimPrefix(a.app.str, "application_")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, _ := os.ReadFile(filepath.Join(d, "cmdline"))
		env, _ := os.ReadFile(filepath.Join(d, "environ"))
		if !strings.Contains(string(cmd), "spindle\x00am\x00") || !regexp.MustCompile(`CONTAINER_ID=container_(e\d+_)?`+suffix+`_01_000001\x00`).Match(env) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		t.Logf("%s mode: killing the ApplicationMaster of %s (pid %d)", a.mode, a.app.str, pid)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s mode: no ApplicationMaster process of %s found", a.mode, a.app.str)
}

func TestFaultRMRestart(t *testing.T) {
	needFaults(t, false)
	runFaultCase(t, faultCase{duration: "100s", keep: true, inject: func(t *testing.T, _ []*faultApp) {
		script(t, "restart-rm.sh", "60")
	}, check: func(t *testing.T, a *faultApp) {
		if a.mode == "client" && strings.Count(a.p.stderr(), "ResourceManager unreachable") > 1 {
			t.Errorf("client mode: the outage was reported more than once:\n%s", a.p.stderr())
		}
	}})
}

func TestFaultNMRestart(t *testing.T) {
	needFaults(t, false)
	runFaultCase(t, faultCase{duration: "45s", keep: true, inject: func(t *testing.T, _ []*faultApp) {
		script(t, "restart-nm.sh", "5")
	}})
}

func TestFaultAMRestartKeepsExecutors(t *testing.T) {
	needFaults(t, false)
	runFaultCase(t, faultCase{duration: "70s", keep: true, attempts: 2, inject: func(t *testing.T, apps []*faultApp) {
		// The AM saves its table and key-value store at most every 2 s (README):
		// give it that long after the driver's write before it dies.
		time.Sleep(4 * time.Second)
		for _, a := range apps {
			killAM(t, a)
		}
	}, check: func(t *testing.T, a *faultApp) {
		if logs := containerLogs(a.app.str, "*_02_000001", "stderr"); !strings.Contains(logs, "adopted 2 executors") {
			t.Errorf("%s mode: the second attempt did not adopt the executors:\n%s", a.mode, lastLines(logs, 20))
		}
	}})
}

func TestFaultFailingNodeExcluded(t *testing.T) {
	needFaults(t, false)
	script(t, "add-nm.sh", "1")
	// Both NodeManagers are on localhost and the scheduler may put every
	// executor on the same one, run after run: the failing node is the one
	// where each application's first executor starts, so one always fails.
	failedRE := regexp.MustCompile(`on localhost:(\d+)\) exited with code 1`)
	runFaultCase(t, faultCase{duration: "20s", env: map[string]string{"FAULTY_FAIL_PORT": "first", "FAULTY_FAIL_DIR": t.TempDir()},
		conf: []string{"spindle.executor.failuresValidityInterval=10m", "spindle.excludeOnFailure.enabled=true", "spindle.excludeOnFailure.application.maxFailedExecutorsPerNode=1"},
		check: func(t *testing.T, a *faultApp) {
			logs := containerLogs(a.app.str, "*_000001", "stderr")
			failed := failedRE.FindAllStringSubmatch(logs, -1)
			if len(failed) == 0 {
				t.Errorf("%s mode: no executor failed; want the first one's node to fail it:\n%s", a.mode, lastLines(logs, 20))
				return
			}
			port := failed[0][1]
			for _, f := range failed {
				if f[1] != port {
					t.Errorf("%s mode: executors failed on localhost:%s and localhost:%s; want one failing node", a.mode, port, f[1])
				}
			}
			// The executors asked for at once may both start there; after
			// that the node is excluded and no third one may.
			if !strings.Contains(logs, "excluding node localhost:"+port) || len(failed) > 2 {
				t.Errorf("%s mode: %d executors failed on localhost:%s; want it excluded after the first:\n%s", a.mode, len(failed), port, lastLines(logs, 20))
			}
			t.Logf("%s mode: %d executor(s) failed on localhost:%s, then it was excluded", a.mode, len(failed), port)
		}})
}

func TestFaultEveryNodeExcluded(t *testing.T) {
	needFaults(t, false)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p := runSpindle(t, ctx, nil, "submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "2",
		"--env", "FAULTY_FAIL_PORT=all", "--conf", "spindle.executor.maxFailures=50", "--conf", "spindle.excludeOnFailure.enabled=true",
		"--conf", "spindle.hadoop.yarn.scheduler.include-port-in-node-name=true", "--executor-memory", "128m",
		"--driver-memory", "256m", faultyBin(t), "30s", "0")
	id := submittedRE.FindStringSubmatch(p.stderr())
	if id == nil {
		t.Fatalf("no application id in:\n%s", p.stderr())
	}
	a := trackApp(t, cl, id[1])
	rep := waitTerminal(t, ctx, cl, a)
	if p.code == 0 || rep.FinalStatus != "FAILED" || !strings.Contains(rep.Diagnostics, "is excluded for executors") {
		t.Errorf("exit %d, %s/%s: %s; want a failure saying every node is excluded", p.code, rep.State, rep.FinalStatus, rep.Diagnostics)
	}
	t.Logf("diagnostics: %s", rep.Diagnostics)
	checkNoStaging(t, a.str, time.Minute)
	checkNoAppEnv(t, a.str, time.Minute)
	checkNothingRunning(t, a.str, time.Minute)
}

func TestFaultHAKillActive(t *testing.T) {
	needFaults(t, true)
	runFaultCase(t, faultCase{duration: "60s", keep: true, inject: func(t *testing.T, apps []*faultApp) {
		script(t, "profiles/ha/kill-active.sh")
		t.Cleanup(func() { restartHA(t) })
		// The commands fail over to the RM that is active now.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		for _, args := range [][]string{{"status", apps[0].app.str}, {"cluster"}, {"logs", apps[0].app.str, "--file", "stdout"}} {
			p := runSpindle(t, ctx, nil, args...)
			if p.code != 0 {
				t.Errorf("spindle %s after kill-active: exit %d\n%s", strings.Join(args, " "), p.code, p.stderr())
			}
			if args[0] == "status" && !strings.Contains(p.stdout(), apps[0].app.str) {
				t.Errorf("spindle status after kill-active printed:\n%s", p.stdout())
			}
		}
	}})
}

func TestFaultHAFailoverBackAndForth(t *testing.T) {
	needFaults(t, true)
	runFaultCase(t, faultCase{duration: "60s", keep: true, inject: func(t *testing.T, _ []*faultApp) {
		script(t, "profiles/ha/failover.sh")
		time.Sleep(15 * time.Second)
		script(t, "profiles/ha/failover.sh")
	}})
}

// restartHA brings a killed RM of the HA profile back as standby, with the
// profile's own install and port base (from its env.sh's exports), so that
// start.sh sees unchanged settings and restarts nothing else.
func restartHA(t *testing.T) {
	t.Helper()
	_, port, _ := strings.Cut(os.Getenv("SPINDLE_HA_RM1_WEB"), ":")
	web, err := strconv.Atoi(port)
	if err != nil {
		t.Errorf("SPINDLE_HA_RM1_WEB=%q: source profiles/ha/env.sh", os.Getenv("SPINDLE_HA_RM1_WEB"))
		return
	}
	scriptEnv(t, []string{"YTC_PORT_BASE=" + strconv.Itoa(web-88)}, "profiles/ha/start.sh", os.Getenv("HADOOP_HOME"))
}
