//go:build integration

package logs

// Integration tests of `spindle logs` against the real YARN test cluster (log
// aggregation on, into HDFS /app-logs; RM recovery on, so container ids carry an
// epoch: container_e01_...):
//
//	source <(/work/shared/yarn-testcluster/env.sh)
//	go test -tags integration -run Integration -v -timeout 15m ./client/logs/
//
// They build spindle (with a version unique to the run, whose binary cache
// entry is removed afterwards) and examples/pi, run applications and read
// their logs through the spindle binary, as a user would.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// itBins holds the binaries built for the run.
type itBins struct {
	spindle, pi string
}

func buildIT(t *testing.T) itBins {
	t.Helper()
	if os.Getenv("HADOOP_CONF_DIR") == "" {
		t.Skip("HADOOP_CONF_DIR is not set (source <(/work/shared/yarn-testcluster/env.sh))")
	}
	dir := t.TempDir()
	b := itBins{spindle: filepath.Join(dir, "spindle"), pi: filepath.Join(dir, "pi")}
	version := fmt.Sprintf("logs-it-%d", time.Now().UnixNano())
	for _, bd := range []struct{ out, pkg, ldflags string }{
		{b.spindle, "../../cmd/spindle", "-X main.version=" + version},
		{b.pi, "../../examples/pi", ""},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		args := []string{"build", "-o", bd.out}
		if bd.ldflags != "" {
			args = append(args, "-ldflags", bd.ldflags)
		}
		cmd := exec.CommandContext(ctx, "go", append(args, bd.pkg)...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", bd.pkg, err, out)
		}
	}
	t.Cleanup(func() {
		f, err := os.Open(b.spindle)
		if err != nil {
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return
		}
		if home, err := os.UserHomeDir(); err == nil {
			os.RemoveAll(filepath.Join(home, ".spindle", "cache", hex.EncodeToString(h.Sum(nil))))
		}
	})
	return b
}

// run runs the spindle binary with a deadline and returns its stdout,
// stderr and exit code.
func (b itBins) run(t *testing.T, timeout time.Duration, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.spindle, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("spindle %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return stdout.String(), stderr.String(), code
}

var appIDRe = regexp.MustCompile(`application_\d+_\d+`)

// submit runs an application and returns its id.
func (b itBins) submit(t *testing.T, wait bool, app string, args ...string) string {
	t.Helper()
	return b.submitWith(t, wait, nil, app, args...)
}

// submitWith runs an application with more submit flags and returns its id.
func (b itBins) submitWith(t *testing.T, wait bool, flags []string, app string, args ...string) string {
	t.Helper()
	sargs := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "2",
		"--executor-memory", "128m", "--driver-memory", "256m"}, flags...)
	if !wait {
		sargs = append(sargs, "--no-wait")
	}
	stdout, stderr, code := b.run(t, 5*time.Minute, append(append(sargs, app), args...)...)
	id := appIDRe.FindString(stdout + stderr)
	if id == "" || (wait && code != 0) {
		t.Fatalf("submit %s: exit %d\nstdout:\n%s\nstderr:\n%s", app, code, stdout, stderr)
	}
	t.Logf("submitted %s", id)
	return id
}

// logsUntil runs `spindle logs args...` until its output contains want
// (or deadline), returning the last output.
func (b itBins) logsUntil(t *testing.T, deadline time.Duration, want string, args ...string) (string, string, int) {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		stdout, stderr, code := b.run(t, 2*time.Minute, append([]string{"logs"}, args...)...)
		if code == 0 && strings.Contains(stdout, want) {
			return stdout, stderr, code
		}
		if time.Now().After(end) {
			t.Fatalf("spindle logs %v: no %q after %s; exit %d\nstdout:\n%s\nstderr:\n%s", args, want, deadline, code, stdout, stderr)
		}
		time.Sleep(2 * time.Second)
	}
}

// amContainerRe matches the header of the AM container's (the cluster-mode
// driver's) files of app: "== container_[e<epoch>_]<ts>_<app>_01_000001 on NODE".
func amContainerRe(app string) *regexp.Regexp {
	rest := strings.TrimPrefix(app, "application_")
	return regexp.MustCompile(`== (container_(?:e\d+_)?` + regexp.QuoteMeta(rest) + `_01_000001) on localhost:\d+ \(`)
}

// amContainerNoEpoch is the AM container's id as a user may type it: without
// the ResourceManager epoch.
func amContainerNoEpoch(app string) string {
	return strings.Replace(app, "application_", "container_", 1) + "_01_000001"
}

func TestIntegrationLogsAfterFinish(t *testing.T) {
	b := buildIT(t)
	app := b.submit(t, true, b.pi, "1000")
	// The NodeManager uploads the logs shortly after the application ends.
	stdout, stderr, _ := b.logsUntil(t, 90*time.Second, "Pi is roughly", app, "--file", "stdout")
	t.Logf("spindle logs %s --file stdout:\n%s%s", app, stdout, stderr)
	m := amContainerRe(app).FindStringSubmatch(stdout)
	if m == nil || !strings.Contains(stdout, m[0]+"stdout) ==\n") {
		t.Fatalf("no header for the driver's stdout:\n%s", stdout)
	}
	driver := m[1]
	if n := strings.Count(stdout, "== container_"); n != 3 {
		t.Errorf("%d files, want the 3 containers' stdout:\n%s", n, stdout)
	}
	if !regexp.MustCompile(`executor \d: \d+ of 1000 inside`).MatchString(stdout) {
		t.Errorf("no executor output:\n%s", stdout)
	}
	// Every file of one container, named as printed and as typed without the epoch.
	for _, id := range []string{driver, amContainerNoEpoch(app)} {
		stdout, _, code := b.run(t, time.Minute, "logs", app, "--container", id)
		for _, f := range []string{"stdout", "stderr", "launch_container.sh", "directory.info", "prelaunch.out"} {
			if !strings.Contains(stdout, "== "+driver+" on localhost:18045 ("+f+") ==") || code != 0 {
				t.Errorf("--container %s: exit %d; no %s in:\n%.2000s", id, code, f, stdout)
			}
		}
		if n, mine := strings.Count(stdout, "== container_"), strings.Count(stdout, "== "+driver+" on"); n != mine {
			t.Errorf("--container %s: %d files, %d of them the AM container's:\n%.2000s", id, n, mine, stdout)
		}
	}
	// A selection that matches nothing names the containers there are.
	_, stderr, code := b.run(t, time.Minute, "logs", app, "--file", "nosuchfile")
	if code != 1 || !strings.Contains(stderr, "no log file matches") || !strings.Contains(stderr, driver) {
		t.Errorf("no match: exit %d, %s", code, stderr)
	}
}

func TestIntegrationLogsWhileRunning(t *testing.T) {
	b := buildIT(t)
	script := filepath.Join(t.TempDir(), "ticker.sh")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
i=0
while [ $i -lt 30 ]; do echo "tick $i from ${SPINDLE_ROLE}"; i=$((i+1)); sleep 1; done
echo "done ${SPINDLE_ROLE}"
`), 0o755); err != nil {
		t.Fatal(err)
	}
	app := b.submit(t, false, script)
	// While it runs: from the NodeManager, selected by the id as typed without the epoch.
	driver := amContainerNoEpoch(app)
	stdout, stderr, _ := b.logsUntil(t, 90*time.Second, "tick 3 from driver", app, "--container", driver, "--file", "stdout")
	t.Logf("while running:\n%s%s", stdout, stderr)
	if strings.Contains(stdout, "done driver") {
		t.Fatalf("the application ended too early for the test:\n%s", stdout)
	}
	if m := amContainerRe(app).FindStringSubmatchIndex(stdout); m == nil || m[0] != 0 ||
		!strings.HasPrefix(stdout[m[1]:], "stdout) ==\ntick 0 from driver\n") {
		t.Errorf("output:\n%s", stdout)
	}
	// --follow streams new output from the ApplicationMaster until the
	// application ends: an executor's line arrives while it runs, and every
	// container's stdout comes out whole, in order, once.
	cpu := amCPU(t, app)
	stdout, stderr, code := b.followWhileRunning(t, app, "tick 20 from executor", "--follow", "--file", "stdout")
	t.Logf("--follow: exit %d\n%s%s", code, stdout, stderr)
	if code != 0 || !strings.Contains(stdout, "tick 25 from driver") || !strings.Contains(stdout, "tick 25 from executor") {
		t.Errorf("--follow: exit %d\n%s", code, stdout)
	}
	if !strings.Contains(stderr, "is FINISHED") {
		t.Errorf("--follow did not report the end: %s", stderr)
	}
	m := regexp.MustCompile(`streamed from \S+ ApplicationMaster: (\d+) requests to it, (\d+) to NodeManagers`).FindStringSubmatch(stderr)
	if m == nil {
		t.Errorf("--follow did not stream from the ApplicationMaster: %s", stderr)
	} else {
		t.Logf("load of one --follow of 3 containers for ~25 s: %s requests to the AM, %s to NodeManagers; AM CPU over the application: %v", m[1], m[2], cpu())
	}
	// Once finished and aggregated: everything, up to the last line, and
	// what --follow printed of each container is exactly that.
	agg, _, _ := b.logsUntil(t, 90*time.Second, "done driver", app, "--file", "stdout")
	followed, aggregated := linesByContainer(stdout), linesByContainer(agg)
	if len(aggregated) != 3 {
		t.Errorf("%d containers' stdout aggregated, want 3:\n%s", len(aggregated), agg)
	}
	for c, want := range aggregated {
		if got := followed[c]; strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: --follow printed\n%s\nbut its whole stdout is\n%s", c, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	// For comparison, the same application staged elsewhere: --follow
	// cannot find the viewer file and polls the NodeManagers every 2 s.
	other := b.submitWith(t, false, []string{"--conf", "spindle.yarn.stagingDir=/tmp/spindle-logs-it"}, script)
	otherCPU := amCPU(t, other)
	b.logsUntil(t, 90*time.Second, "tick 1 from driver", other, "--file", "stdout")
	stdout, stderr, code = b.run(t, 3*time.Minute, "logs", other, "--follow", "--file", "stdout")
	nm := regexp.MustCompile(`followed \S+ from the NodeManagers: (\d+) requests to them`).FindStringSubmatch(stderr)
	if code != 0 || nm == nil || !strings.Contains(stdout, "tick 25 from executor") {
		t.Fatalf("--follow from the NodeManagers: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("the same --follow from the NodeManagers (every 2 s): %s requests to them; AM CPU over the application: %v", nm[1], otherCPU())
}

func TestIntegrationLogsUnknownApp(t *testing.T) {
	b := buildIT(t)
	_, stderr, code := b.run(t, time.Minute, "logs", "application_1_0001")
	if code != 1 || !strings.Contains(stderr, "unknown to the ResourceManager") || !strings.Contains(stderr, "logs-tfile/application_1_0001") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// followWhileRunning runs `spindle logs APP args...` and checks that want
// appears on its stdout while the application is RUNNING (spindle status);
// it returns the whole output once the command ends.
func (b itBins) followWhileRunning(t *testing.T, app, want string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.spindle, append([]string{"logs", app}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pr, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	sc := bufio.NewScanner(pr)
	checked := false
	for sc.Scan() {
		stdout.WriteString(sc.Text() + "\n")
		if !checked && strings.Contains(sc.Text(), want) {
			checked = true
			st, _, _ := b.run(t, time.Minute, "status", app)
			if !strings.Contains(st, "RUNNING") {
				t.Errorf("%q arrived, but the application is not RUNNING:\n%s", want, st)
			} else {
				t.Logf("%q arrived while the application is RUNNING", want)
			}
		}
	}
	err = cmd.Wait()
	if !checked {
		t.Errorf("%q never arrived", want)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("spindle logs: %v", err)
	}
	return stdout.String(), stderr.String(), code
}

// linesByContainer splits `spindle logs` output into each container's
// lines (of every file printed).
func linesByContainer(out string) map[string][]string {
	header := regexp.MustCompile(`^== (container_\S+) on .* \((\S+)\) ==$`)
	lines := map[string][]string{}
	var cur string
	for _, l := range strings.Split(out, "\n") {
		if m := header.FindStringSubmatch(l); m != nil {
			cur = m[1]
			continue
		}
		if l != "" && cur != "" {
			lines[cur] = append(lines[cur], l)
		}
	}
	return lines
}

// amCPU returns a function that reports the CPU time the application's
// AM process has used, sampled every second until the AM has gone (the
// test cluster runs on this machine; the AM is found by its working
// directory, the AM container's).
func amCPU(t *testing.T, app string) func() time.Duration {
	rest := strings.TrimPrefix(app, "application_")
	re := regexp.MustCompile(`container_(?:e\d+_)?` + regexp.QuoteMeta(rest) + `_01_000001$`)
	var mu sync.Mutex
	var last time.Duration
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		pid := ""
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			if pid == "" {
				pid = findAM(re)
			}
			if pid == "" {
				continue
			}
			if d, ok := procCPU(pid); ok {
				mu.Lock()
				last = d
				mu.Unlock()
			}
		}
	}()
	return func() time.Duration {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

// findAM returns the pid of the `spindle am` process whose working
// directory matches re.
func findAM(re *regexp.Regexp) string {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil || !re.MatchString(cwd) {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if bytes.Contains(cmd, []byte("\x00am\x00")) {
			return e.Name()
		}
	}
	return ""
}

// procCPU is the user plus system time of a process, from /proc/PID/stat
// (clock ticks of 10 ms).
func procCPU(pid string) (time.Duration, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, false
	}
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * 10 * time.Millisecond, true
}
