//go:build integration

package main

// End-to-end tests of resource types and placement against the test cluster:
// its resource-types.xml declares yarn.io/gpu (4 per NodeManager, maximum 4
// per container) and its RM runs the placement-constraint handler
// "scheduler". The tests that need several NodeManagers count the RUNNING
// nodes and skip with a message below two (start more with the test
// cluster's add-nm.sh).

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// e2eRM is a ResourceManager client for reading container reports.
func e2eRM(t *testing.T) *yarn.ResourceManager {
	t.Helper()
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := conf.RMAddresses()
	if err != nil {
		t.Fatal(err)
	}
	c := ipc.NewClient(ipc.Config{User: conf.User(), Protection: conf.Get("hadoop.rpc.protection")})
	t.Cleanup(func() { c.Close() })
	rm, err := yarn.NewResourceManager(c, addrs)
	if err != nil {
		t.Fatal(err)
	}
	return rm
}

// runningExecutors polls the RM's container reports of the application's
// attempt until n executor containers (all but the AM's) are RUNNING, and
// returns their reports.
func runningExecutors(t *testing.T, ctx context.Context, rm *yarn.ResourceManager, a e2eApp, n int) []*yarnpb.ContainerReportProto {
	t.Helper()
	id, err := yarn.ParseApplicationID(a.str)
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for {
		var execs []*yarnpb.ContainerReportProto
		if atts, err := rm.Attempts(ctx, id); err == nil && len(atts) > 0 {
			att := yarn.AttemptIDFromProto(atts[len(atts)-1].GetApplicationAttemptId())
			cs, err := rm.Containers(ctx, att)
			last = fmt.Sprintf("%d containers, err %v", len(cs), err)
			for _, c := range cs {
				cid := yarn.ContainerIDFromProto(c.GetContainerId())
				if cid.Sequence() != 1 && c.GetContainerState() == yarnpb.ContainerStateProto_C_RUNNING {
					execs = append(execs, c)
				}
			}
		}
		if len(execs) >= n {
			return execs
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %d executors not RUNNING in time (last: %s)", a.str, n, last)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// submitNoWait submits with --no-wait and tracks the application.
func submitNoWait(t *testing.T, ctx context.Context, args ...string) e2eApp {
	t.Helper()
	all := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--no-wait"}, e2eSizes...)
	p := runSpindle(t, ctx, nil, append(all, args...)...)
	if p.code != 0 {
		t.Fatalf("spindle submit exited %d:\n%s", p.code, p.stderr())
	}
	m := regexp.MustCompile(`application_\d+_\d+`).FindString(p.stdout())
	if m == "" {
		t.Fatalf("no application id in the output:\n%s", p.stdout())
	}
	return trackApp(t, e2eCluster(t), m)
}

func TestE2EExecutorGPU(t *testing.T) {
	needCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	a := submitNoWait(t, ctx, "--num-executors", "1", "--executor-resource", "gpu=1", "--executor-command", "sleep 60")
	rm := e2eRM(t)
	execs := runningExecutors(t, ctx, rm, a, 1)
	res := execs[0].GetResource()
	if gpu, ok := yarn.ResourceValue(res, yarn.ResourceGPU); !ok || gpu != 1 {
		t.Errorf("the executor's container has %v: want yarn.io/gpu = 1", res)
	}
	if mem, _ := yarn.ResourceValue(res, yarn.ResourceMemory); mem != 128 {
		t.Errorf("the executor's container has %d MB, want 128", mem)
	}
	if _, err := e2eCluster(t).Kill(ctx, a.id, "test done", nil); err != nil {
		t.Errorf("kill %s: %v", a.str, err)
	}
}

func TestE2EResourceRefusedBeforeSubmission(t *testing.T) {
	needCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range []struct{ flag, want string }{
		{"gpu=9", "above the cluster's maximum container size of 4"},
		{"example.com/nosuch=1", `no resource type "example.com/nosuch"`},
	} {
		p := runSpindle(t, ctx, nil, append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster",
			"--num-executors", "1", "--executor-resource", tc.flag, "--executor-command", "true"}, e2eSizes...)...)
		if p.code == 0 || !strings.Contains(p.stderr(), tc.want) {
			t.Errorf("--executor-resource %s: exit %d, stderr:\n%s\nwant an error with %q", tc.flag, p.code, p.stderr(), tc.want)
		}
		if strings.Contains(p.stdout()+p.stderr(), "submitted application_") {
			t.Errorf("--executor-resource %s: an application was submitted", tc.flag)
		}
	}
}

// liveNodes returns the RUNNING nodes' ids and hosts.
func liveNodes(t *testing.T, ctx context.Context) (ids []string, hosts map[string]bool) {
	t.Helper()
	info, err := e2eCluster(t).Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hosts = map[string]bool{}
	for _, n := range info.Nodes {
		if n.State == "RUNNING" {
			ids = append(ids, n.ID)
			hosts[strings.Split(n.ID, ":")[0]] = true
		}
	}
	return ids, hosts
}

// needNodes skips the test when the cluster has fewer than want RUNNING
// NodeManagers; it fails it instead when SPINDLE_TEST_MIN_NODES (set by CI
// on a cluster it gave that many) says there should be at least that many.
func needNodes(t *testing.T, have, want int, what string) {
	t.Helper()
	if floor, _ := strconv.Atoi(os.Getenv("SPINDLE_TEST_MIN_NODES")); have < floor {
		t.Fatalf("SPINDLE_TEST_MIN_NODES=%d but the cluster has %d RUNNING NodeManagers", floor, have)
	}
	if have < want {
		t.Skipf("%s needs %d or more NodeManagers and the cluster has %d RUNNING: start more with the test cluster's add-nm.sh 3", what, want, have)
	}
}

func TestE2EAntiAffinity(t *testing.T) {
	needCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ids, _ := liveNodes(t, ctx)
	needNodes(t, len(ids), 2, "anti-affinity")
	n := min(len(ids), 4)
	a := submitNoWait(t, ctx, "--num-executors", fmt.Sprint(n), "--conf", "spindle.executor.placement=anti-affinity",
		"--executor-command", "sleep 60")
	execs := runningExecutors(t, ctx, e2eRM(t), a, n)
	seen := map[string]string{}
	for _, c := range execs {
		node := yarn.NodeAddress(c.GetNodeId())
		cid := yarn.ContainerIDFromProto(c.GetContainerId()).String()
		if other, dup := seen[node]; dup {
			t.Errorf("executors %s and %s share node %s despite anti-affinity", other, cid, node)
		}
		seen[node] = cid
	}
	t.Logf("%d executors on %d distinct nodes: %v", len(execs), len(seen), seen)
	if _, err := e2eCluster(t).Kill(ctx, a.id, "test done", nil); err != nil {
		t.Errorf("kill %s: %v", a.str, err)
	}
}

func TestE2ENodePreference(t *testing.T) {
	needCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ids, hosts := liveNodes(t, ctx)
	if len(ids) == 0 {
		t.Fatal("no RUNNING node")
	}
	host := strings.Split(ids[len(ids)-1], ":")[0]
	if len(hosts) < 2 {
		t.Logf("all %d NodeManagers share the host %q (YARN places by host): the strict preference is checked for being honoured and satisfiable, not for choosing among nodes", len(ids), host)
	}
	// Strict: only the preferred host.
	a := submitNoWait(t, ctx, "--num-executors", "2", "--conf", "spindle.executor.nodes="+host,
		"--conf", "spindle.executor.relaxLocality=false", "--executor-command", "sleep 60")
	for _, c := range runningExecutors(t, ctx, e2eRM(t), a, 2) {
		if got := c.GetNodeId().GetHost(); got != host {
			t.Errorf("executor %s on %s, want the preferred host %s", yarn.ContainerIDFromProto(c.GetContainerId()), got, host)
		}
	}
	if _, err := e2eCluster(t).Kill(ctx, a.id, "test done", nil); err != nil {
		t.Errorf("kill %s: %v", a.str, err)
	}
	// Relaxed: a preferred host that does not exist does not stop executors.
	b := submitNoWait(t, ctx, "--num-executors", "1", "--conf", "spindle.executor.nodes=no-such-host.invalid",
		"--executor-command", "sleep 60")
	runningExecutors(t, ctx, e2eRM(t), b, 1)
	if _, err := e2eCluster(t).Kill(ctx, b.id, "test done", nil); err != nil {
		t.Errorf("kill %s: %v", b.str, err)
	}
	// Strict on a host that does not exist: refused before submission.
	p := runSpindle(t, ctx, nil, append([]string{"submit", "--master", "yarn", "--num-executors", "1",
		"--conf", "spindle.executor.nodes=no-such-host.invalid", "--conf", "spindle.executor.relaxLocality=false",
		"--executor-command", "true"}, e2eSizes...)...)
	if p.code == 0 || !strings.Contains(p.stderr(), "is not a RUNNING node") {
		t.Errorf("strict preference for a missing host: exit %d, stderr:\n%s", p.code, p.stderr())
	}
}
