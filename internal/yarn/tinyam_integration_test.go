//go:build integration

package yarn_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
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

// loadConf loads the configuration from HADOOP_CONF_DIR, skipping the test
// without it.
func loadConf(t *testing.T) *hadoopconf.Conf {
	t.Helper()
	if os.Getenv("HADOOP_CONF_DIR") == "" {
		t.Skip("HADOOP_CONF_DIR not set; source the test cluster's env.sh")
	}
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatalf("loading Hadoop configuration: %v", err)
	}
	return conf
}

// nmLogRoot is where the cluster's NodeManager keeps container logs: the
// first yarn.nodemanager.log-dirs entry of the configuration (the test
// clusters' client configuration carries the NodeManager's), else nm-logs
// under YTC_HOME.
func nmLogRoot(conf *hadoopconf.Conf) string {
	if dirs := conf.GetStrings("yarn.nodemanager.log-dirs"); len(dirs) > 0 && filepath.IsAbs(dirs[0]) {
		return dirs[0]
	}
	home := os.Getenv("YTC_HOME")
	if home == "" {
		home = "/opt/yarn-testcluster"
	}
	return filepath.Join(home, "data", "nm-logs")
}

// tinyAMOpts configures a tiny AM application.
type tinyAMOpts struct {
	name        string
	workerSleep int           // seconds the worker container runs (0: it exits at once)
	confDir     string        // the AM builds its retry policy from this configuration ("": default policy)
	amTimeout   time.Duration // how long the AM may run (default 150 s)
}

// submitTinyAM submits this test binary as a tiny AM and returns the
// application id; a cleanup kills it unless it ended.
func submitTinyAM(t *testing.T, ctx context.Context, rm *yarn.ResourceManager, rms, scheds []string, o tinyAMOpts) yarn.ApplicationID {
	t.Helper()
	res := shipSelf(t)
	id, maxRes, err := rm.NewApplication(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("new application %s (max container %d MB, %d vcores)", id, maxRes.GetMemory(), maxRes.GetVirtualCores())
	t.Cleanup(func() { killUnlessDone(t, rm, id) })
	if o.amTimeout == 0 {
		o.amTimeout = 150 * time.Second
	}
	env := map[string]string{
		envTinyAM: "1", envRMAddrs: strings.Join(rms, ","), envSchedAddrs: strings.Join(scheds, ","),
		envConfDir: o.confDir, envWorkerSleep: strconv.Itoa(o.workerSleep),
		envAMTimeout: strconv.Itoa(int(o.amTimeout.Seconds())),
	}
	var envp []*yarnpb.StringStringMapProto
	for k, v := range env {
		envp = append(envp, &yarnpb.StringStringMapProto{Key: proto.String(k), Value: proto.String(v)})
	}
	sc := &yarnpb.ApplicationSubmissionContextProto{
		ApplicationId:   id.Proto(),
		ApplicationName: proto.String(o.name),
		Queue:           proto.String("default"),
		ApplicationType: proto.String("SPINDLE"),
		MaxAppAttempts:  proto.Int32(1),
		Resource:        &yarnpb.ResourceProto{Memory: proto.Int64(256), VirtualCores: proto.Int32(1)},
		AmContainerSpec: &yarnpb.ContainerLaunchContextProto{
			LocalResources: []*yarnpb.StringLocalResourceMapProto{{Key: proto.String("tinyam"), Value: res}},
			Environment:    envp,
			Command:        []string{"./tinyam '-test.run=^$' 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr"},
		},
	}
	rep, err := rm.Submit(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("submitted %s: state %v", id, rep.GetYarnApplicationState())
	return id
}

// shipSelf copies the test binary to a temporary file and returns it as a
// local resource.
func shipSelf(t *testing.T) *yarnpb.LocalResourceProto {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "tinyam")
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
	return &yarnpb.LocalResourceProto{
		Resource:   &yarnpb.URLProto{Scheme: proto.String("file"), Port: proto.Int32(-1), File: proto.String(bin)},
		Size:       proto.Int64(st.Size()),
		Timestamp:  proto.Int64(st.ModTime().UnixMilli()),
		Type:       yarnpb.LocalResourceTypeProto_FILE.Enum(),
		Visibility: yarnpb.LocalResourceVisibilityProto_APPLICATION.Enum(),
	}
}

// killUnlessDone kills application id if it has not ended.
func killUnlessDone(t *testing.T, rm *yarn.ResourceManager, id yarn.ApplicationID) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if rep, err := rm.ApplicationReport(ctx, id); err == nil && yarn.IsTerminal(rep.GetYarnApplicationState()) {
		return
	}
	if err := rm.Kill(ctx, id, "killed by the test's cleanup"); err != nil {
		t.Logf("cleanup: killing %s: %v", id, err)
	} else {
		t.Logf("cleanup: killed %s", id)
	}
}

// follow polls the report of id every 500 ms until the application ends,
// calling each (if not nil) with every report; it logs state changes.
func follow(t *testing.T, ctx context.Context, rm *yarn.ResourceManager, id yarn.ApplicationID, each func(*yarnpb.ApplicationReportProto)) *yarnpb.ApplicationReportProto {
	t.Helper()
	var last yarnpb.YarnApplicationStateProto
	for {
		rep, err := rm.ApplicationReport(ctx, id)
		if err != nil {
			t.Fatalf("following %s: %v", id, err)
		}
		if s := rep.GetYarnApplicationState(); s != last {
			last = s
			t.Logf("%s: %v", id, s)
		}
		if each != nil {
			each(rep)
		}
		if yarn.IsTerminal(rep.GetYarnApplicationState()) {
			t.Logf("%s: %v, final status %v, diagnostics %q", id, rep.GetYarnApplicationState(),
				rep.GetFinalApplicationStatus(), rep.GetDiagnostics())
			return rep
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s did not finish in time (state %v, diagnostics %q)", id, rep.GetYarnApplicationState(), rep.GetDiagnostics())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// requireSucceeded fails the test (showing the container logs) unless rep
// is FINISHED/SUCCEEDED.
func requireSucceeded(t *testing.T, conf *hadoopconf.Conf, id yarn.ApplicationID, rep *yarnpb.ApplicationReportProto) {
	t.Helper()
	if rep.GetYarnApplicationState() != yarnpb.YarnApplicationStateProto_FINISHED ||
		rep.GetFinalApplicationStatus() != yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED {
		dumpLogs(t, conf, id)
		t.Fatalf("application ended %v/%v, want FINISHED/APP_SUCCEEDED", rep.GetYarnApplicationState(), rep.GetFinalApplicationStatus())
	}
}

func TestTinyAM(t *testing.T) {
	conf := loadConf(t)
	client, rms, scheds := cluster(t)
	rm, err := yarn.NewResourceManager(client, rms)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	id := submitTinyAM(t, ctx, rm, rms, scheds, tinyAMOpts{name: "spindle-tinyam"})
	rep := follow(t, ctx, rm, id, nil)
	requireSucceeded(t, conf, id, rep)
	att := yarn.AttemptIDFromProto(rep.GetCurrentApplicationAttemptId())
	ar, err := rm.AttemptReport(ctx, att)
	if err != nil {
		t.Errorf("AttemptReport(%s): %v", att, err)
	} else {
		t.Logf("attempt %s: %v, AM container %s", att, ar.GetYarnApplicationAttemptState(),
			yarn.ContainerIDFromProto(ar.GetAmContainerId()))
	}
	showStdout(t, conf, id)
}

// showStdout logs what the AM and the worker container wrote to stdout.
func showStdout(t *testing.T, conf *hadoopconf.Conf, id yarn.ApplicationID) {
	root := nmLogRoot(conf)
	logFiles(t, conf, id, func(path string, data []byte) {
		if filepath.Base(path) == "stdout" {
			t.Logf("%s:\n%s", strings.TrimPrefix(path, root+"/"), strings.TrimSpace(string(data)))
		}
	})
}

// amStdout returns the tiny AM's stdout (the first container's).
func amStdout(t *testing.T, conf *hadoopconf.Conf, id yarn.ApplicationID) string {
	var out string
	logFiles(t, conf, id, func(path string, data []byte) {
		if filepath.Base(path) == "stdout" && strings.HasSuffix(filepath.Dir(path), "_000001") {
			out = string(data)
		}
	})
	return out
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
func logFiles(t *testing.T, conf *hadoopconf.Conf, id yarn.ApplicationID, fn func(path string, data []byte)) {
	root := filepath.Join(nmLogRoot(conf), id.String())
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
func dumpLogs(t *testing.T, conf *hadoopconf.Conf, id yarn.ApplicationID) {
	logFiles(t, conf, id, func(path string, data []byte) {
		t.Logf("==> %s <==\n%s", path, data)
	})
}

// ---------------------------------------------------------------------------
// The tiny ApplicationMaster.

// runTinyAM is the AM's main; it returns the process exit code.
func runTinyAM() int {
	secs, _ := strconv.Atoi(os.Getenv(envAMTimeout))
	if secs <= 0 {
		secs = 150
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs)*time.Second)
	defer cancel()
	if err := tinyAM(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "tinyam:", err)
		logf("failed: %v", err)
		return 1
	}
	return 0
}

// logf writes a timestamped line to stdout (the container's stdout log).
func logf(format string, args ...any) {
	fmt.Printf("%s tinyam: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// tinyState is the tiny AM's bookkeeping: one worker container, an ask
// table of one entry, and releases not yet confirmed by the RM.
type tinyState struct {
	sched       *yarn.Scheduler
	nms         *yarn.NodeManagers
	workerCmd   string
	outstanding int32                          // the ask table's one total
	asks        []*yarnpb.ResourceRequestProto // to send next
	releases    []yarn.ContainerID             // to send next
	pending     map[yarn.ContainerID]bool      // released, not yet reported completed
	worker      yarn.ContainerID
}

func tinyAM(ctx context.Context) (err error) {
	cid, err := yarn.ParseContainerID(os.Getenv("CONTAINER_ID"))
	if err != nil {
		return fmt.Errorf("CONTAINER_ID: %w", err)
	}
	logf("container %s, attempt %s", cid, cid.Attempt)
	client, sched, err := newTinyScheduler()
	if err != nil {
		return err
	}
	defer client.Close()
	reg, err := sched.Register(ctx, os.Getenv("NM_HOST"), -1, "")
	if err != nil {
		return err
	}
	logf("registered with %s: max capability %d MB/%d vcores, queue %q, %d containers from previous attempts",
		sched.ActiveAddress(), reg.GetMaximumCapability().GetMemory(), reg.GetMaximumCapability().GetVirtualCores(),
		reg.GetQueue(), len(reg.PreviousContainers))
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
	sleep, _ := strconv.Atoi(os.Getenv(envWorkerSleep))
	st := &tinyState{sched: sched, nms: yarn.NewNodeManagers(client, sched.NMTokens()),
		workerCmd:   fmt.Sprintf("/bin/sh -c 'echo hello from tiny container; sleep %d; echo bye; exit 0' 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr", sleep),
		outstanding: 1, pending: map[yarn.ContainerID]bool{}}
	st.asks = []*yarnpb.ResourceRequestProto{tinyAsk(1)}
	for beat := 0; ; beat++ {
		done, err := st.heartbeat(ctx, beat)
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("heartbeat loop: %w", ctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// newTinyScheduler builds the AM's IPC client and Scheduler: the retry
// policy comes from the configuration in envConfDir if set, and outages
// are logged once each.
func newTinyScheduler() (*ipc.Client, *yarn.Scheduler, error) {
	amCreds, err := creds.ReadFile(os.Getenv(creds.EnvTokenFile))
	if err != nil {
		return nil, nil, err
	}
	ct, ok := amCreds.FindToken(creds.AMRMTokenKind)
	if !ok {
		return nil, nil, fmt.Errorf("no %s token in the credentials (aliases %q)", creds.AMRMTokenKind, amCreds.Aliases())
	}
	amrm := &ipc.Token{Identifier: ct.Identifier, Password: ct.Password, Kind: ct.Kind, Service: ct.Service}
	opts := []yarn.Option{yarn.WithObserver(func(ev yarn.ConnectionEvent) { logf("%s", ev) })}
	if dir := os.Getenv(envConfDir); dir != "" {
		conf, err := hadoopconf.LoadDirs(dir)
		if err != nil {
			return nil, nil, err
		}
		policy, err := yarn.RetryPolicyFromConf(conf)
		if err != nil {
			return nil, nil, err
		}
		logf("retry policy from %s: %#v", dir, policy)
		opts = append(opts, yarn.WithRetryPolicy(policy))
	}
	client := ipc.NewClient(ipc.Config{})
	sched, err := yarn.NewScheduler(client, strings.Split(os.Getenv(envSchedAddrs), ","), amrm, nil, opts...)
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	return client, sched, nil
}

// tinyAsk is the tiny AM's one resource request with total n.
func tinyAsk(n int32) *yarnpb.ResourceRequestProto {
	return &yarnpb.ResourceRequestProto{
		Priority:      &yarnpb.PriorityProto{Priority: proto.Int32(1)},
		ResourceName:  proto.String("*"),
		Capability:    &yarnpb.ResourceProto{Memory: proto.Int64(128), VirtualCores: proto.Int32(1)},
		NumContainers: proto.Int32(n),
		RelaxLocality: proto.Bool(true),
	}
}

// heartbeat makes one allocate call and handles its answer; done reports
// that the worker succeeded and the AM unregistered.
func (st *tinyState) heartbeat(ctx context.Context, beat int) (done bool, err error) {
	progress := float32(0.1)
	if !st.worker.IsZero() {
		progress = 0.5
	}
	res, err := st.sched.Allocate(ctx, st.asks, st.releases, progress)
	if err != nil {
		return false, err
	}
	st.asks, st.releases = nil, nil
	resp := res.Response
	if res.Shutdown {
		return false, fmt.Errorf("RM sent %v", resp.GetAMCommand())
	}
	if res.Reregistered {
		// The RM forgot every request: send the whole table and every
		// release it has not confirmed.
		st.asks = []*yarnpb.ResourceRequestProto{tinyAsk(st.outstanding)}
		for id := range st.pending {
			st.releases = append(st.releases, id)
		}
		logf("re-registered (resync %v) with %s, response id %d; resending the ask table (%d outstanding) and %d releases; worker %s",
			res.Resync, st.sched.ActiveAddress(), resp.GetResponseId(), st.outstanding, len(st.releases), st.worker)
	}
	if beat == 0 || len(resp.GetAllocatedContainers()) > 0 || len(resp.GetCompletedContainerStatuses()) > 0 {
		logf("allocate #%d: response id %d, %d allocated, %d completed, %d NM tokens (cache: %q)",
			beat, resp.GetResponseId(), len(resp.GetAllocatedContainers()),
			len(resp.GetCompletedContainerStatuses()), len(resp.GetNmTokens()), st.sched.NMTokens().Nodes())
	}
	for _, c := range resp.GetAllocatedContainers() {
		if err := st.allocated(ctx, c); err != nil {
			return false, err
		}
	}
	for _, cs := range resp.GetCompletedContainerStatuses() {
		if done, err := st.completed(ctx, cs); done || err != nil {
			return done, err
		}
	}
	return false, nil
}

// allocated launches the worker in the first container and releases any
// surplus one.
func (st *tinyState) allocated(ctx context.Context, c *yarnpb.ContainerProto) error {
	id := yarn.ContainerIDFromProto(c.GetId())
	if !st.worker.IsZero() {
		st.releases = append(st.releases, id)
		st.pending[id] = true
		return nil
	}
	node := yarn.NodeAddress(c.GetNodeId())
	launch := &yarnpb.StartContainerRequestProto{
		ContainerLaunchContext: &yarnpb.ContainerLaunchContextProto{Command: []string{st.workerCmd}},
		ContainerToken:         c.GetContainerToken(),
	}
	sr, err := st.nms.StartContainers(ctx, node, []*yarnpb.StartContainerRequestProto{launch})
	if err != nil {
		return fmt.Errorf("starting %s: %w", id, err)
	}
	if ferr := sr.Failed[id]; ferr != nil {
		return fmt.Errorf("starting %s: %w", id, ferr)
	}
	logf("started worker %s on %s (succeeded %v)", id, node, sr.Succeeded)
	st.worker = id
	st.outstanding = 0
	st.asks = []*yarnpb.ResourceRequestProto{tinyAsk(0)} // cancel the rest of the ask
	return nil
}

// completed handles a completed container: the worker's success ends the
// AM, its failure fails it.
func (st *tinyState) completed(ctx context.Context, cs *yarnpb.ContainerStatusProto) (bool, error) {
	id := yarn.ContainerIDFromProto(cs.GetContainerId())
	delete(st.pending, id)
	logf("completed %s: %s, diagnostics %q", id, yarn.ExitStatusString(cs.GetExitStatus()), cs.GetDiagnostics())
	if id != st.worker {
		return false, nil
	}
	if cs.GetExitStatus() != yarn.ExitSuccess {
		return false, fmt.Errorf("worker %s failed: %s", id, yarn.ExitStatusString(cs.GetExitStatus()))
	}
	if err := st.sched.Finish(ctx, yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED, "tiny AM done", ""); err != nil {
		return false, err
	}
	logf("worker %s succeeded; unregistered: SUCCEEDED", id)
	return true, nil
}
