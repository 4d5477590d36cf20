//go:build integration

package main

// Containment: no process outlives its application. Each test runs a driver
// (and executors) that start background children, ends the application one
// way, and checks that no process carrying the application's id in its
// environment (SPINDLE_APP_ID) or working in its containers remains.
//
//	go test -tags integration -run E2EContain -v ./cmd/spindle/

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// containScript is the driver and executor: it says it started, starts two
// background sleeps (one in a session of its own, out of reach of a process
// group kill), and waits, or with the argument "exit" exits at once.
const containScript = `#!/bin/sh
sleep 600 >/dev/null 2>&1 &
setsid sleep 601 >/dev/null 2>&1 &
echo "contain: $SPINDLE_ROLE $SPINDLE_APP_ID started (pid $$)"
[ "$1" = exit ] && exit 0
wait
`

func writeContainScript(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "contain.sh")
	if err := os.WriteFile(p, []byte(containScript), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// procInfo is a process found through /proc.
type procInfo struct {
	pid     int
	cmdline string
	env     map[string]string
}

// idProcesses returns the live processes carrying SPINDLE_APP_ID=id in their
// environment or working inside one of id's containers.
func idProcesses(id string) []procInfo {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var out []procInfo
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		environ, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join(d, "stat"))
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			continue // a zombie: already dead
		}
		env := map[string]string{}
		for _, kv := range strings.Split(string(environ), "\x00") {
			if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "SPINDLE_") {
				env[k] = v
			}
		}
		cwd, _ := os.Readlink(filepath.Join(d, "cwd"))
		if env["SPINDLE_APP_ID"] != id && !strings.Contains(cwd+"/", "/appcache/"+id+"/") {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(d, "cmdline"))
		out = append(out, procInfo{pid: pid, env: env, cmdline: strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))})
	}
	return out
}

func describe(ps []procInfo) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("pid " + strconv.Itoa(p.pid) + " (" + p.env["SPINDLE_ROLE"] + "): " + p.cmdline + "\n")
	}
	return b.String()
}

// checkNoneLeft fails unless no process of id remains within the grace period.
func checkNoneLeft(t *testing.T, id string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		left := idProcesses(id)
		if len(left) == 0 {
			t.Logf("no process of %s remains", id)
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s: processes remain %s after it ended:\n%s", id, within, describe(left))
			for _, p := range left {
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
			}
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// killLeftovers registers a cleanup that kills what remains of id when a
// test stopped early (on code without the fix, drivers survive with ppid 1).
func killLeftovers(t *testing.T, id string) {
	t.Cleanup(func() {
		for _, p := range idProcesses(id) {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
	})
}

// drivers returns the processes of id started by a driver.
func drivers(id string) []procInfo {
	var out []procInfo
	for _, p := range idProcesses(id) {
		if p.env["SPINDLE_ROLE"] == "driver" {
			out = append(out, p)
		}
	}
	return out
}

// driverContainers counts the containers (working directories) in which
// processes of id's drivers run: one per running driver.
func driverContainers(id string) int {
	dirs := map[string]bool{}
	for _, p := range drivers(id) {
		if cwd, err := os.Readlink("/proc/" + strconv.Itoa(p.pid) + "/cwd"); err == nil {
			dirs[cwd] = true
		}
	}
	return len(dirs)
}

// waitFor polls cond until it holds, failing the test at ctx's end.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not in time", what)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ppid returns the parent of pid.
func ppid(pid int) int {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(stat, ')')
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// amAncestor returns the `spindle am` process above pid, or 0.
func amAncestor(pid int) int {
	for p := ppid(pid); p > 1; p = ppid(p) {
		cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
		if f := strings.Split(string(cmdline), "\x00"); len(f) > 1 && f[1] == "am" {
			return p
		}
	}
	return 0
}

// gone reports whether none of the pids is alive (zombies count as dead).
func gone(pids []int) bool {
	for _, pid := range pids {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			continue
		}
		return false
	}
	return true
}

// Cluster mode: kill -9 of the AM ends the driver and everything it started
// before YARN's second attempt starts another driver; the client says that
// attempt 2 started, with attempt 1's diagnostics.
func TestE2EContainClusterAMKilled(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	script := writeContainScript(t)
	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "1", "--max-app-attempts", "2"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, script)...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	killLeftovers(t, a.str)
	waitFor(t, ctx, "attempt 1's driver and its children", func() bool { return len(drivers(a.str)) >= 3 })
	first := drivers(a.str)
	var pids []int
	am := 0
	for _, d := range first {
		pids = append(pids, d.pid)
		if strings.Contains(d.cmdline, "contain.sh") && am == 0 {
			am = amAncestor(d.pid)
		}
	}
	if am == 0 {
		t.Fatalf("no driver script under a `spindle am` among:\n%s", describe(first))
	}
	t.Logf("attempt 1: AM pid %d; driver processes:\n%s", am, describe(first))
	if err := syscall.Kill(am, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 the AM (pid %d): %v", am, err)
	}
	killed := time.Now()
	wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
	waitFor(t, wctx, "attempt 1's driver processes ending after kill -9 of the AM", func() bool { return gone(pids) })
	wcancel()
	t.Logf("attempt 1's %d driver processes ended %s after kill -9 of the AM", len(pids), time.Since(killed).Round(time.Millisecond))
	// Attempt 2: its driver runs, and never beside another.
	most := 0
	waitFor(t, ctx, "attempt 2's driver", func() bool {
		n := driverContainers(a.str)
		most = max(most, n)
		for _, d := range drivers(a.str) {
			for _, old := range pids {
				if d.pid == old {
					t.Fatalf("attempt 1's driver process %d runs on", old)
				}
			}
		}
		return n >= 1
	})
	if most > 1 {
		t.Errorf("%d drivers ran at once", most)
	}
	p.waitOutput(t, ctx, regexp.MustCompile(`YARN started attempt 2 of `+a.str+`: attempt 1 failed: .+`))
	t.Logf("client: %s", regexp.MustCompile(`YARN started attempt 2[^"]*`).FindString(p.stderr()))
	k := runSpindle(t, ctx, nil, "kill", a.str)
	if k.code != 0 {
		t.Fatalf("spindle kill exited %d: %s", k.code, k.stderr())
	}
	code := p.wait(t, ctx)
	t.Logf("spindle submit exited %d after the kill", code)
	if code == 0 {
		t.Errorf("spindle submit exited 0 for a killed application")
	}
	checkNoneLeft(t, a.str, 30*time.Second)
}

// Client mode: SIGINT, SIGTERM and SIGKILL of spindle end the local driver
// and everything it started; the application ends and leaves nothing.
func TestE2EContainClientSignals(t *testing.T) {
	needCluster(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			cl := e2eCluster(t)
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			script := writeContainScript(t)
			args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "client", "--num-executors", "1",
				"--conf", "spindle.driver.timeout=10s"}, e2eSizes...)
			p := startSpindle(t, nil, append(args, script)...)
			a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
			killLeftovers(t, a.str)
			waitFor(t, ctx, "the local driver and its children", func() bool { return len(drivers(a.str)) >= 3 })
			p.waitOutput(t, ctx, regexp.MustCompile(`contain: executor `+a.str+` started`+`|`+`contain: driver`))
			waitState(t, ctx, cl, a, "RUNNING")
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			sent := time.Now()
			wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
			waitFor(t, wctx, "the local driver's processes ending", func() bool { return len(drivers(a.str)) == 0 })
			wcancel()
			t.Logf("the local driver and its children ended %s after %s", time.Since(sent).Round(time.Millisecond), sig)
			code := p.wait(t, ctx)
			t.Logf("spindle exited %d", code)
			if sig != syscall.SIGKILL && code != 130 && code != 143 {
				t.Errorf("spindle exited %d after %s, want 130 or 143", code, sig)
			}
			r := waitTerminal(t, ctx, cl, a)
			t.Logf("%s ended %s/%s: %s", a.str, r.State, r.FinalStatus, r.Diagnostics)
			checkNoneLeft(t, a.str, 30*time.Second)
		})
	}
}

// Client mode: when the application is killed on the cluster (spindle kill),
// the client stops the driver within seconds and exits non-zero with a message.
func TestE2EContainClientAppKilled(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	script := writeContainScript(t)
	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "client", "--num-executors", "1"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, script)...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	killLeftovers(t, a.str)
	waitFor(t, ctx, "the local driver and its children", func() bool { return len(drivers(a.str)) >= 3 })
	waitState(t, ctx, cl, a, "RUNNING")
	k := runSpindle(t, ctx, nil, "kill", a.str)
	if k.code != 0 {
		t.Fatalf("spindle kill exited %d: %s", k.code, k.stderr())
	}
	killed := time.Now()
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	code := p.wait(t, wctx)
	wcancel()
	took := time.Since(killed)
	lines := strings.Split(strings.TrimSpace(p.stderr()), "\n")
	t.Logf("spindle submit exited %d %s after spindle kill; its last line: %s", code, took.Round(time.Millisecond), lines[len(lines)-1])
	if code == 0 {
		t.Errorf("spindle submit exited 0 for an application killed on the cluster")
	}
	checkNoneLeft(t, a.str, 30*time.Second)
}

// The shell agent: what a command started in the background (even in a
// session of its own) ends with the session's application.
func TestE2EContainShell(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmds := filepath.Join(t.TempDir(), "commands")
	if err := os.WriteFile(cmds, []byte("sleep 600 >/dev/null 2>&1 &\nsetsid sleep 601 >/dev/null 2>&1 &\necho started $SPINDLE_APP_ID\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, "/bin/sh", nil, "-c", `exec "$0" shell --master yarn --num-executors 1 --executor-memory 128m < "$1"`, e2e.spindle, cmds)
	a := trackApp(t, cl, p.waitOutput(t, ctx, regexp.MustCompile(`started (application_\d+_\d+)`))[1])
	killLeftovers(t, a.str)
	code := p.wait(t, ctx)
	t.Logf("spindle shell exited %d", code)
	if code != 0 {
		t.Errorf("spindle shell exited %d, want 0", code)
	}
	r := waitTerminal(t, ctx, cl, a)
	t.Logf("%s ended %s/%s", a.str, r.State, r.FinalStatus)
	checkNoneLeft(t, a.str, 30*time.Second)
}

// Local mode: children a driver or an executor leaves behind end with the
// application, whether it ends by itself or by SIGINT.
func TestE2EContainLocal(t *testing.T) {
	needCluster(t) // for the built binaries only
	idRE := regexp.MustCompile(`contain: driver (local-\S+) started`)
	for _, how := range []string{"exit", "SIGINT"} {
		t.Run(how, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			script := writeContainScript(t)
			args := []string{"submit", "--master", "local[1]", script}
			if how == "exit" {
				args = append(args, "exit")
			}
			p := startSpindle(t, nil, args...)
			id := p.waitOutput(t, ctx, idRE)[1]
			killLeftovers(t, id)
			if how == "SIGINT" {
				waitFor(t, ctx, "the driver's and the executor's children", func() bool { return len(idProcesses(id)) >= 6 })
				_ = p.cmd.Process.Signal(syscall.SIGINT)
			}
			code := p.wait(t, ctx)
			t.Logf("spindle (local, %s) exited %d", how, code)
			checkNoneLeft(t, id, 10*time.Second)
		})
	}
}
