//go:build integration

package yarn_test

// Integration tests against the real Hadoop 3.2.2 YARN test cluster. They
// need HADOOP_CONF_DIR (skipped otherwise):
//
//	source <(/work/shared/yarn-testcluster/env.sh)
//	go test -tags integration -v ./internal/yarn/
//
// TestTinyAM submits this very test binary as an ApplicationMaster: when
// the environment has SPINDLE_TINYAM=1, TestMain runs the AM logic instead
// of the tests.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// Environment passed to the tiny AM.
const (
	envTinyAM     = "SPINDLE_TINYAM"
	envRMAddrs    = "SPINDLE_TINYAM_RM"
	envSchedAddrs = "SPINDLE_TINYAM_SCHEDULER"
)

// nmLogDir is where the test cluster's NodeManager keeps container logs: nm-logs
// in its data directory under YTC_HOME (env.sh exports it; default /opt/yarn-testcluster).
var nmLogDir = func() string {
	home := os.Getenv("YTC_HOME")
	if home == "" {
		home = "/opt/yarn-testcluster"
	}
	return filepath.Join(home, "data", "nm-logs")
}()

func TestMain(m *testing.M) {
	if os.Getenv(envTinyAM) == "1" {
		os.Exit(runTinyAM())
	}
	os.Exit(m.Run())
}

// cluster loads the configuration from HADOOP_CONF_DIR (skipping the test
// without it) and returns an IPC client and RM and scheduler addresses.
func cluster(t *testing.T) (*ipc.Client, []string, []string) {
	t.Helper()
	if os.Getenv("HADOOP_CONF_DIR") == "" {
		t.Skip("HADOOP_CONF_DIR not set; source <(/work/shared/yarn-testcluster/env.sh)")
	}
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatalf("loading Hadoop configuration: %v", err)
	}
	rms, err := conf.RMAddresses()
	if err != nil {
		t.Fatal(err)
	}
	scheds, err := conf.SchedulerAddresses()
	if err != nil {
		t.Fatal(err)
	}
	c := ipc.NewClient(ipc.Config{User: conf.User()})
	t.Cleanup(func() { c.Close() })
	return c, rms, scheds
}

func TestClusterInfo(t *testing.T) {
	client, rms, _ := cluster(t)
	rm, err := yarn.NewResourceManager(client, rms)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	m, err := rm.ClusterMetrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster metrics: %d node managers, %d active", m.GetNumNodeManagers(), m.GetNumActiveNms())
	if m.GetNumNodeManagers() < 1 {
		t.Errorf("no node managers: %v", m)
	}

	nodes, err := rm.ClusterNodes(ctx, yarnpb.NodeStateProto_NS_RUNNING)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) == 0 {
		t.Fatal("no running nodes")
	}
	for _, n := range nodes {
		t.Logf("node %s rack %s capability %d MB/%d vcores, %d containers", yarn.NodeAddress(n.GetNodeId()),
			n.GetRackName(), n.GetCapability().GetMemory(), n.GetCapability().GetVirtualCores(), n.GetNumContainers())
	}

	for _, q := range []string{"default", "batch"} {
		qi, err := rm.QueueInfo(ctx, q, yarn.QueueInfoOptions{})
		if err != nil {
			t.Errorf("QueueInfo(%q): %v", q, err)
			continue
		}
		t.Logf("queue %s: capacity %.2f max %.2f state %v", qi.GetQueueName(), qi.GetCapacity(), qi.GetMaximumCapacity(), qi.GetState())
		if qi.GetQueueName() != q {
			t.Errorf("QueueInfo(%q) returned queue %q", q, qi.GetQueueName())
		}
	}
	if _, err := rm.QueueInfo(ctx, "no-such-queue", yarn.QueueInfoOptions{}); !errors.Is(err, yarn.ErrQueueNotFound) {
		t.Errorf("unknown queue: %v, want ErrQueueNotFound", err)
	} else {
		t.Logf("unknown queue: %v", err)
	}

	if _, err := rm.Applications(ctx, yarn.ApplicationFilter{Limit: 5}); err != nil {
		t.Errorf("Applications: %v", err)
	}
	// An unknown application is a typed error.
	_, err = rm.ApplicationReport(ctx, yarn.ApplicationID{ClusterTimestamp: 1, ID: 1})
	var nf *ipc.ApplicationNotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("unknown application: %v, want ApplicationNotFoundError", err)
	}
}

func TestTinyAM(t *testing.T) {
	client, rms, scheds := cluster(t)
	rm, err := yarn.NewResourceManager(client, rms)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Ship this test binary as the AM's only local resource.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tinyam")
	if err := copyFile(exe, bin); err != nil {
		t.Fatal(err)
	}
	// Whole seconds, so any JVM's File.lastModified agrees exactly.
	mtime := time.Now().Add(-time.Minute).Truncate(time.Second)
	if err := os.Chtimes(bin, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}

	id, maxRes, err := rm.NewApplication(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("new application %s (max container %d MB, %d vcores)", id, maxRes.GetMemory(), maxRes.GetVirtualCores())
	finished := false
	t.Cleanup(func() {
		if finished {
			return
		}
		kctx, kcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer kcancel()
		if err := rm.Kill(kctx, id, "killed by TestTinyAM cleanup"); err != nil {
			t.Logf("cleanup: killing %s: %v", id, err)
		} else {
			t.Logf("cleanup: killed %s", id)
		}
	})

	sc := &yarnpb.ApplicationSubmissionContextProto{
		ApplicationId:   id.Proto(),
		ApplicationName: proto.String("spindle-tinyam"),
		Queue:           proto.String("default"),
		ApplicationType: proto.String("SPINDLE"),
		MaxAppAttempts:  proto.Int32(1),
		Resource:        &yarnpb.ResourceProto{Memory: proto.Int64(256), VirtualCores: proto.Int32(1)},
		AmContainerSpec: &yarnpb.ContainerLaunchContextProto{
			LocalResources: []*yarnpb.StringLocalResourceMapProto{{
				Key: proto.String("tinyam"),
				Value: &yarnpb.LocalResourceProto{
					Resource:   &yarnpb.URLProto{Scheme: proto.String("file"), Port: proto.Int32(-1), File: proto.String(bin)},
					Size:       proto.Int64(st.Size()),
					Timestamp:  proto.Int64(st.ModTime().UnixMilli()),
					Type:       yarnpb.LocalResourceTypeProto_FILE.Enum(),
					Visibility: yarnpb.LocalResourceVisibilityProto_APPLICATION.Enum(),
				},
			}},
			Environment: []*yarnpb.StringStringMapProto{
				{Key: proto.String(envTinyAM), Value: proto.String("1")},
				{Key: proto.String(envRMAddrs), Value: proto.String(strings.Join(rms, ","))},
				{Key: proto.String(envSchedAddrs), Value: proto.String(strings.Join(scheds, ","))},
			},
			Command: []string{"./tinyam '-test.run=^$' 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr"},
		},
	}
	rep, err := rm.Submit(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("submitted %s: state %v", id, rep.GetYarnApplicationState())

	var last yarnpb.YarnApplicationStateProto
	for !yarn.IsTerminal(rep.GetYarnApplicationState()) {
		if rep.GetYarnApplicationState() != last {
			last = rep.GetYarnApplicationState()
			t.Logf("%s: %v", id, last)
		}
		select {
		case <-ctx.Done():
			dumpLogs(t, id)
			t.Fatalf("%s did not finish in time (state %v, diagnostics %q)", id, rep.GetYarnApplicationState(), rep.GetDiagnostics())
		case <-time.After(500 * time.Millisecond):
		}
		if rep, err = rm.ApplicationReport(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	finished = true
	t.Logf("%s: %v, final status %v, diagnostics %q", id, rep.GetYarnApplicationState(),
		rep.GetFinalApplicationStatus(), rep.GetDiagnostics())
	if rep.GetYarnApplicationState() != yarnpb.YarnApplicationStateProto_FINISHED ||
		rep.GetFinalApplicationStatus() != yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED {
		dumpLogs(t, id)
		t.Fatalf("application ended %v/%v, want FINISHED/APP_SUCCEEDED", rep.GetYarnApplicationState(), rep.GetFinalApplicationStatus())
	}

	att := yarn.AttemptIDFromProto(rep.GetCurrentApplicationAttemptId())
	ar, err := rm.AttemptReport(ctx, att)
	if err != nil {
		t.Errorf("AttemptReport(%s): %v", att, err)
	} else {
		t.Logf("attempt %s: %v, AM container %s", att, ar.GetYarnApplicationAttemptState(),
			yarn.ContainerIDFromProto(ar.GetAmContainerId()))
	}
	// Show what the AM and the worker container wrote.
	logFiles(t, id, func(path string, data []byte) {
		if filepath.Base(path) == "stdout" {
			t.Logf("%s:\n%s", strings.TrimPrefix(path, nmLogDir+"/"), strings.TrimSpace(string(data)))
		}
	})
}

// copyFile copies src to an executable dst.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// logFiles calls fn for every container log file of application id.
func logFiles(t *testing.T, id yarn.ApplicationID, fn func(path string, data []byte)) {
	root := filepath.Join(nmLogDir, id.String())
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, data)
		return nil
	})
	if err != nil {
		t.Logf("reading logs under %s: %v", root, err)
	}
}

// dumpLogs prints every container log of application id.
func dumpLogs(t *testing.T, id yarn.ApplicationID) {
	logFiles(t, id, func(path string, data []byte) {
		t.Logf("==> %s <==\n%s", path, data)
	})
}

// ---------------------------------------------------------------------------
// The tiny ApplicationMaster.

// runTinyAM is the AM's main; it returns the process exit code.
func runTinyAM() int {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	if err := tinyAM(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "tinyam:", err)
		fmt.Println("tinyam: failed:", err)
		return 1
	}
	return 0
}

// logf writes a timestamped line to stdout (the container's stdout log).
func logf(format string, args ...any) {
	fmt.Printf("%s tinyam: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func tinyAM(ctx context.Context) (err error) {
	cid, err := yarn.ParseContainerID(os.Getenv("CONTAINER_ID"))
	if err != nil {
		return fmt.Errorf("CONTAINER_ID: %w", err)
	}
	logf("container %s, attempt %s", cid, cid.Attempt)

	amCreds, err := creds.ReadFile(os.Getenv(creds.EnvTokenFile))
	if err != nil {
		return err
	}
	ct, ok := amCreds.FindToken(creds.AMRMTokenKind)
	if !ok {
		return fmt.Errorf("no %s token in the credentials (aliases %q)", creds.AMRMTokenKind, amCreds.Aliases())
	}
	amrm := &ipc.Token{Identifier: ct.Identifier, Password: ct.Password, Kind: ct.Kind, Service: ct.Service}

	client := ipc.NewClient(ipc.Config{})
	defer client.Close()
	scheds := strings.Split(os.Getenv(envSchedAddrs), ",")
	sched, err := yarn.NewScheduler(client, scheds, amrm, nil)
	if err != nil {
		return err
	}
	reg, err := sched.Register(ctx, os.Getenv("NM_HOST"), -1, "")
	if err != nil {
		return err
	}
	logf("registered with %s: max capability %d MB/%d vcores, queue %q",
		sched.ActiveAddress(), reg.GetMaximumCapability().GetMemory(), reg.GetMaximumCapability().GetVirtualCores(), reg.GetQueue())
	defer func() {
		if err == nil {
			return
		}
		// Best effort: report the failure instead of leaving the RM to
		// notice the exit.
		fctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if ferr := sched.Finish(fctx, yarnpb.FinalApplicationStatusProto_APP_FAILED, err.Error(), ""); ferr != nil {
			logf("finish after failure: %v", ferr)
		}
	}()

	nms := yarn.NewNodeManagers(client, sched.NMTokens())
	ask := func(n int32) *yarnpb.ResourceRequestProto {
		return &yarnpb.ResourceRequestProto{
			Priority:      &yarnpb.PriorityProto{Priority: proto.Int32(1)},
			ResourceName:  proto.String("*"),
			Capability:    &yarnpb.ResourceProto{Memory: proto.Int64(128), VirtualCores: proto.Int32(1)},
			NumContainers: proto.Int32(n),
			RelaxLocality: proto.Bool(true),
		}
	}
	outstanding := int32(1) // the whole ask table: one entry
	asks := []*yarnpb.ResourceRequestProto{ask(outstanding)}
	var releases []yarn.ContainerID
	var worker yarn.ContainerID
	for beat := 0; ; beat++ {
		progress := float32(0.1)
		if !worker.IsZero() {
			progress = 0.5
		}
		res, err := sched.Allocate(ctx, asks, releases, progress)
		if err != nil {
			return err
		}
		asks, releases = nil, nil
		resp := res.Response
		if res.Reregistered {
			logf("re-registered; resending the ask table")
			asks = []*yarnpb.ResourceRequestProto{ask(outstanding)}
		}
		if res.Shutdown || res.Resync {
			return fmt.Errorf("RM sent %v", resp.GetAMCommand())
		}
		if beat == 0 || len(resp.GetAllocatedContainers()) > 0 || len(resp.GetCompletedContainerStatuses()) > 0 {
			logf("allocate #%d: response id %d, %d allocated, %d completed, %d NM tokens (cache: %q)",
				beat, resp.GetResponseId(), len(resp.GetAllocatedContainers()),
				len(resp.GetCompletedContainerStatuses()), len(resp.GetNmTokens()), sched.NMTokens().Nodes())
		}
		for _, c := range resp.GetAllocatedContainers() {
			id := yarn.ContainerIDFromProto(c.GetId())
			if !worker.IsZero() {
				releases = append(releases, id) // surplus
				continue
			}
			node := yarn.NodeAddress(c.GetNodeId())
			launch := &yarnpb.StartContainerRequestProto{
				ContainerLaunchContext: &yarnpb.ContainerLaunchContextProto{
					Command: []string{"/bin/sh -c 'echo hello from tiny container; exit 0' 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr"},
				},
				ContainerToken: c.GetContainerToken(),
			}
			sr, err := nms.StartContainers(ctx, node, []*yarnpb.StartContainerRequestProto{launch})
			if err != nil {
				return fmt.Errorf("starting %s: %w", id, err)
			}
			if ferr := sr.Failed[id]; ferr != nil {
				return fmt.Errorf("starting %s: %w", id, ferr)
			}
			logf("started %s on %s (succeeded %v)", id, node, sr.Succeeded)
			worker = id
			outstanding = 0
			asks = []*yarnpb.ResourceRequestProto{ask(0)} // cancel the rest of the ask
		}
		for _, st := range resp.GetCompletedContainerStatuses() {
			id := yarn.ContainerIDFromProto(st.GetContainerId())
			logf("completed %s: %s, diagnostics %q", id, yarn.ExitStatusString(st.GetExitStatus()), st.GetDiagnostics())
			if id != worker {
				continue
			}
			if st.GetExitStatus() != yarn.ExitSuccess {
				return fmt.Errorf("worker %s failed: %s", id, yarn.ExitStatusString(st.GetExitStatus()))
			}
			if err := sched.Finish(ctx, yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED, "tiny AM done", ""); err != nil {
				return err
			}
			logf("unregistered: SUCCEEDED")
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("heartbeat loop: %w", ctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
	}
}
