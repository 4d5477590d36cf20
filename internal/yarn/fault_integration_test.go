//go:build integration

package yarn_test

// Fault tests: they restart or fail over ResourceManagers under running
// applications, so they run only with SPINDLE_TEST_FAULTS=1.
//
//   - TestFaultRMRestart needs the single-node test cluster (its env.sh) and
//     runs its restart-rm.sh: only when no other integration test uses that
//     cluster (it checks, waiting up to 10 minutes).
//   - TestHA* need the HA profile (profiles/ha/env.sh) and run its
//     failover.sh, kill-active.sh and start.sh.
//
// The scripts are found in YTC_SCRIPTS (default: ../shared/yarn-testcluster
// beside the module, as for .ci/run).

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// requireFaults skips the test unless SPINDLE_TEST_FAULTS=1.
func requireFaults(t *testing.T) {
	t.Helper()
	if os.Getenv("SPINDLE_TEST_FAULTS") != "1" {
		t.Skip("fault test: set SPINDLE_TEST_FAULTS=1 (it restarts or fails over ResourceManagers)")
	}
}

// scriptsDir returns the test cluster's scripts directory, skipping the
// test if it is missing.
func scriptsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("YTC_SCRIPTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "yarn-testcluster")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(abs, "restart-rm.sh")); err != nil {
		t.Skipf("the test cluster's scripts are not at %s (set YTC_SCRIPTS)", abs)
	}
	return abs
}

// runScript runs a test-cluster script, bounded by ctx, and returns its
// combined output.
func runScript(ctx context.Context, path string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// runScriptAsync starts runScript in the background; the channel delivers
// its output and error.
func runScriptAsync(ctx context.Context, path string, args ...string) <-chan scriptResult {
	ch := make(chan scriptResult, 1)
	go func() {
		out, err := runScript(ctx, path, args...)
		ch <- scriptResult{out, err}
	}()
	return ch
}

// scriptResult is what a script printed and how it ended.
type scriptResult struct {
	out string
	err error
}

// eventRecorder logs and records ConnectionEvents.
type eventRecorder struct {
	t      *testing.T
	mu     sync.Mutex
	events []yarn.ConnectionEvent
}

func (r *eventRecorder) observe(ev yarn.ConnectionEvent) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	r.t.Logf("observer: %s", ev)
}

// count returns how many events of state were recorded.
func (r *eventRecorder) count(state yarn.RMState) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ev := range r.events {
		if ev.State == state {
			n++
		}
	}
	return n
}

// policyRM returns a ResourceManager client with the configuration's retry
// policy and rec as observer.
func policyRM(t *testing.T, conf *hadoopconf.Conf, rec *eventRecorder) (*yarn.ResourceManager, []string, []string) {
	t.Helper()
	client, rms, scheds := cluster(t)
	policy, err := yarn.RetryPolicyFromConf(conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("client retry policy: %#v", policy)
	rm, err := yarn.NewResourceManager(client, rms, yarn.WithRetryPolicy(policy), yarn.WithObserver(rec.observe))
	if err != nil {
		t.Fatal(err)
	}
	return rm, rms, scheds
}

// otherIntegrationTests lists processes that run integration tests and are
// not this test's ancestors: "go test" with the integration tag.
func otherIntegrationTests() []string {
	mine := map[int]bool{}
	for pid := os.Getpid(); pid > 1; {
		mine[pid] = true
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			break
		}
		// "pid (comm) state ppid ...": comm may hold spaces, so split after ")".
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 2 {
			break
		}
		pid, _ = strconv.Atoi(f[1])
	}
	var others []string
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || mine[pid] {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil {
			continue
		}
		cmd := strings.Join(strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00"), " ")
		if strings.Contains(cmd, "go test") && strings.Contains(cmd, "integration") {
			others = append(others, d.Name()+": "+cmd)
		}
	}
	return others
}

// waitForQuietCluster waits (up to 10 minutes, checking every minute) until
// no other integration test runs, and skips the test if that never happens.
func waitForQuietCluster(t *testing.T) {
	t.Helper()
	for i := 0; ; i++ {
		others := otherIntegrationTests()
		if len(others) == 0 {
			return
		}
		if i == 10 {
			t.Skipf("other integration tests kept running for 10 minutes; not restarting the shared ResourceManager: %q", others)
		}
		t.Logf("other integration tests are running; waiting a minute: %q", others)
		time.Sleep(time.Minute)
	}
}

func TestFaultRMRestart(t *testing.T) {
	requireFaults(t)
	conf := loadConf(t)
	if conf.HAEnabled() {
		t.Skip("HA configuration: the RM restart test needs the single-node test cluster")
	}
	restart := filepath.Join(scriptsDir(t), "restart-rm.sh")
	rec := &eventRecorder{t: t}
	rm, rms, scheds := policyRM(t, conf, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	waitForQuietCluster(t)

	id := submitTinyAM(t, ctx, rm, rms, scheds, tinyAMOpts{name: "spindle-fault-rm-restart", workerSleep: 90,
		confDir: os.Getenv("HADOOP_CONF_DIR"), amTimeout: 6 * time.Minute})
	var restarted <-chan scriptResult
	rep := follow(t, ctx, rm, id, func(r *yarnpb.ApplicationReportProto) {
		if restarted == nil && r.GetProgress() >= 0.5 {
			t.Logf("worker running (progress %.2f, %d containers in use); restarting the ResourceManager, down 30 s",
				r.GetProgress(), r.GetAppResource_Usage().GetNumUsedContainers())
			restarted = runScriptAsync(ctx, restart, "30")
		}
	})
	if restarted == nil {
		dumpLogs(t, conf, id)
		t.Fatal("the worker never started, so the ResourceManager was not restarted")
	}
	res := <-restarted
	t.Logf("restart-rm.sh:\n%s", res.out)
	if res.err != nil {
		t.Fatalf("restart-rm.sh: %v", res.err)
	}
	requireSucceeded(t, conf, id, rep)
	checkKeptAttempt(t, ctx, rm, rep)
	am := amStdout(t, conf, id)
	t.Logf("AM stdout:\n%s", strings.TrimSpace(am))
	checkAMRodeItOut(t, am, "ResourceManager unreachable", "ResourceManager back")
	if rec.count(yarn.RMUnreachable) != 1 || rec.count(yarn.RMBack) != 1 {
		t.Errorf("client observer: %d unreachable, %d back events; want one each", rec.count(yarn.RMUnreachable), rec.count(yarn.RMBack))
	}
}

// checkKeptAttempt checks that the application ran in one attempt.
func checkKeptAttempt(t *testing.T, ctx context.Context, rm *yarn.ResourceManager, rep *yarnpb.ApplicationReportProto) {
	t.Helper()
	att := yarn.AttemptIDFromProto(rep.GetCurrentApplicationAttemptId())
	if att.Attempt != 1 {
		t.Errorf("current attempt %s, want the first one", att)
	}
	ar, err := rm.AttemptReport(ctx, att)
	if err != nil {
		t.Errorf("AttemptReport(%s): %v", att, err)
		return
	}
	t.Logf("attempt %s: %v, AM container %s", att, ar.GetYarnApplicationAttemptState(), yarn.ContainerIDFromProto(ar.GetAmContainerId()))
}

// checkAMRodeItOut checks the tiny AM's log: it re-registered, said each
// of wants, and the worker it started is the one that succeeded.
func checkAMRodeItOut(t *testing.T, am string, wants ...string) {
	t.Helper()
	for _, w := range append([]string{"re-registered"}, wants...) {
		if !strings.Contains(am, w) {
			t.Errorf("the AM's log does not say %q", w)
		}
	}
	started := field(am, "started worker ")
	if started == "" || !strings.Contains(am, "worker "+started+" succeeded") {
		t.Errorf("the worker the AM started (%q) is not the one that succeeded", started)
	}
}

// field returns the word after the first occurrence of prefix in s.
func field(s, prefix string) string {
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+len(prefix):])
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// requireHA skips the test unless the configuration has ResourceManager HA
// and returns the HA profile's scripts directory.
func requireHA(t *testing.T, conf *hadoopconf.Conf) string {
	t.Helper()
	if !conf.HAEnabled() {
		t.Skip("not an HA configuration: source the HA profile's env.sh")
	}
	return filepath.Join(scriptsDir(t), "profiles", "ha")
}

// haScript runs one of the HA profile's scripts and logs its output.
func haScript(t *testing.T, ctx context.Context, dir, name string, args ...string) {
	t.Helper()
	out, err := runScript(ctx, filepath.Join(dir, name), args...)
	t.Logf("%s %s: %s", name, strings.Join(args, " "), out)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// probeRM makes a round of ApplicationClientProtocol calls and returns the
// address that answered.
func probeRM(t *testing.T, ctx context.Context, rm *yarn.ResourceManager, label string) string {
	t.Helper()
	m, err := rm.ClusterMetrics(ctx)
	if err != nil {
		t.Fatalf("%s: ClusterMetrics: %v", label, err)
	}
	nodes, err := rm.ClusterNodes(ctx, yarnpb.NodeStateProto_NS_RUNNING)
	if err != nil {
		t.Fatalf("%s: ClusterNodes: %v", label, err)
	}
	apps, err := rm.Applications(ctx, yarn.ApplicationFilter{Limit: 5})
	if err != nil {
		t.Fatalf("%s: Applications: %v", label, err)
	}
	if _, err := rm.QueueInfo(ctx, "default", yarn.QueueInfoOptions{}); err != nil {
		t.Fatalf("%s: QueueInfo: %v", label, err)
	}
	t.Logf("%s: %s answered: %d node managers, %d running nodes, %d applications listed",
		label, rm.ActiveAddress(), m.GetNumNodeManagers(), len(nodes), len(apps))
	return rm.ActiveAddress()
}

// hammer calls the RM every 100 ms until stop is closed and returns how
// many calls succeeded and which failed.
func hammer(ctx context.Context, rm *yarn.ResourceManager, stop <-chan struct{}) <-chan hammerResult {
	ch := make(chan hammerResult, 1)
	go func() {
		var r hammerResult
		for {
			select {
			case <-stop:
				ch <- r
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := rm.ClusterMetrics(ctx); err != nil {
				r.errs = append(r.errs, err)
			} else {
				r.ok++
			}
		}
	}()
	return ch
}

// hammerResult is what hammer saw.
type hammerResult struct {
	ok   int
	errs []error
}

func TestHAClientFailover(t *testing.T) {
	requireFaults(t)
	conf := loadConf(t)
	ha := requireHA(t, conf)
	rec := &eventRecorder{t: t}
	rm, rms, _ := policyRM(t, conf, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		// Bring a killed RM back as standby for the next test.
		out, err := runScript(context.Background(), filepath.Join(ha, "start.sh"))
		t.Logf("start.sh: %s (%v)", lastLine(out), err)
	})

	first := probeRM(t, ctx, rm, "before")
	stop := make(chan struct{})
	calls := hammer(ctx, rm, stop)
	haScript(t, ctx, ha, "failover.sh")
	second := probeRM(t, ctx, rm, "after failover")
	haScript(t, ctx, ha, "failover.sh")
	third := probeRM(t, ctx, rm, "after failing back")
	haScript(t, ctx, ha, "kill-active.sh")
	fourth := probeRM(t, ctx, rm, "after kill-active")
	close(stop)
	r := <-calls
	t.Logf("concurrent calls during the failovers: %d succeeded, %d failed", r.ok, len(r.errs))
	for _, err := range r.errs {
		t.Errorf("concurrent call failed: %v", err)
	}
	if u, b := rec.count(yarn.RMUnreachable), rec.count(yarn.RMBack); u != b {
		t.Errorf("observer: %d unreachable and %d back events; want each outage reported once and ended", u, b)
	}
	if second == first || third != first || fourth != second {
		t.Errorf("answering RMs %s, %s, %s, %s; want them to alternate between %q", first, second, third, fourth, rms)
	}
}

// lastLine returns the last line of s.
func lastLine(s string) string {
	return s[strings.LastIndexByte(s, '\n')+1:]
}

func TestHATinyAMFailover(t *testing.T) {
	haTinyAM(t, "spindle-ha-failover", "failover.sh", "failover.sh")
}

func TestHATinyAMKillActive(t *testing.T) {
	haTinyAM(t, "spindle-ha-kill-active", "kill-active.sh")
}

// haTinyAM runs a tiny AM on the HA profile and, while its worker runs,
// the given HA scripts one after the other (8 s apart); the application
// must succeed in its first attempt with its worker.
func haTinyAM(t *testing.T, name string, scripts ...string) {
	requireFaults(t)
	conf := loadConf(t)
	ha := requireHA(t, conf)
	rec := &eventRecorder{t: t}
	rm, rms, scheds := policyRM(t, conf, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	haScript(t, ctx, ha, "start.sh") // both RMs up
	t.Cleanup(func() {
		out, err := runScript(context.Background(), filepath.Join(ha, "start.sh"))
		t.Logf("start.sh: %s (%v)", lastLine(out), err)
	})

	id := submitTinyAM(t, ctx, rm, rms, scheds, tinyAMOpts{name: name, workerSleep: 40,
		confDir: os.Getenv("HADOOP_CONF_DIR"), amTimeout: 5 * time.Minute})
	var running <-chan scriptResult
	next, idle := 0, time.Time{}
	rep := follow(t, ctx, rm, id, func(r *yarnpb.ApplicationReportProto) {
		if running != nil {
			select {
			case res := <-running:
				t.Logf("%s: %s (%v)", scripts[next-1], res.out, res.err)
				running, idle = nil, time.Now()
			default:
				return
			}
		}
		if next < len(scripts) && r.GetProgress() >= 0.5 && time.Since(idle) > 8*time.Second &&
			!yarn.IsTerminal(r.GetYarnApplicationState()) {
			t.Logf("worker running; %s", scripts[next])
			running = runScriptAsync(ctx, filepath.Join(ha, scripts[next]))
			next++
		}
	})
	if running != nil {
		res := <-running
		t.Logf("%s: %s (%v)", scripts[next-1], res.out, res.err)
	}
	if next < len(scripts) {
		dumpLogs(t, conf, id)
		t.Fatalf("only %d of the faults %q happened during the run", next, scripts)
	}
	requireSucceeded(t, conf, id, rep)
	checkKeptAttempt(t, ctx, rm, rep)
	am := amStdout(t, conf, id)
	t.Logf("AM stdout:\n%s", strings.TrimSpace(am))
	checkAMRodeItOut(t, am)
	if n := strings.Count(am, "re-registered"); n < len(scripts) {
		t.Errorf("the AM re-registered %d times, want one per fault (%d)", n, len(scripts))
	}
}
