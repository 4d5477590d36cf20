package client

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/amtls"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/staging"
	"github.com/spindle-yarn/spindle/internal/yarn"
	"google.golang.org/protobuf/proto"
)

func utMaxCap(mem int64, cores int32) *yarnpb.ResourceProto {
	return &yarnpb.ResourceProto{Memory: proto.Int64(mem), VirtualCores: proto.Int32(cores)}
}

func TestCheckSizes(t *testing.T) {
	base := Options{NumExecutors: 2, ExecutorMemoryMB: 1024, ExecutorCores: 1, DriverMemoryMB: 1024, DriverCores: 1,
		AMMemoryMB: 256, AMCores: 1, DeployMode: "cluster"}
	if err := checkSizes(&base, utMaxCap(8192, 8)); err != nil {
		t.Errorf("fitting sizes: %v", err)
	}

	o := base
	o.ExecutorMemoryMB, o.ExecutorCores, o.DriverMemoryMB, o.DriverCores = 9000, 16, 10000, 12
	err := checkSizes(&o, utMaxCap(8192, 8))
	var ue *UsageError
	if !errors.As(err, &ue) || len(ue.Problems) != 4 {
		t.Fatalf("err = %v, want a UsageError with 4 problems", err)
	}
	for i, want := range [][]string{
		{"--executor-memory 9000 MB", "8192 MB", "yarn.scheduler.maximum-allocation-mb", "ask for at most 8192m"},
		{"--executor-cores 16", "maximum of 8 vcores", "yarn.scheduler.maximum-allocation-vcores", "ask for at most 8"},
		{"--driver-memory 10000 MB", "8192 MB", "ask for at most 8192m"},
		{"--driver-cores 12", "maximum of 8 vcores", "ask for at most 8"},
	} {
		for _, w := range want {
			if !strings.Contains(ue.Problems[i], w) {
				t.Errorf("problem %d %q does not contain %q", i, ue.Problems[i], w)
			}
		}
	}

	// Client mode checks the launcher AM's size instead of the driver's.
	o = base
	o.DeployMode, o.DriverMemoryMB, o.AMMemoryMB, o.AMCores = "client", 99999, 4096, 4
	err = checkSizes(&o, utMaxCap(2048, 2))
	if !errors.As(err, &ue) || len(ue.Problems) != 2 {
		t.Fatalf("client mode: err = %v", err)
	}
	if !strings.Contains(ue.Problems[0], "--conf "+KeyAMMemory+" 4096 MB") || !strings.Contains(ue.Problems[1], "--conf "+KeyAMCores+" 4") {
		t.Errorf("client mode problems = %q", ue.Problems)
	}
	if strings.Contains(err.Error(), "driver") {
		t.Errorf("client mode must not check the driver's size: %v", err)
	}

	// No executors: their size does not matter.
	o = base
	o.NumExecutors, o.ExecutorMemoryMB, o.ExecutorCores = 0, 1<<20, 99
	if err := checkSizes(&o, utMaxCap(2048, 2)); err != nil {
		t.Errorf("0 executors: %v", err)
	}
	// An unknown maximum (0 or absent) checks nothing.
	o = base
	o.ExecutorMemoryMB = 1 << 30
	if err := checkSizes(&o, &yarnpb.ResourceProto{}); err != nil {
		t.Errorf("unknown maximum: %v", err)
	}
	if err := checkSizes(&o, nil); err != nil {
		t.Errorf("nil maximum: %v", err)
	}
}

func utWriteFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func utUnzip(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[f.Name]; dup {
			t.Errorf("zip holds %s twice", f.Name)
		}
		out[f.Name] = string(data)
	}
	return out
}

func TestZipConfig(t *testing.T) {
	yarnDir, hadoopDir := t.TempDir(), t.TempDir()
	utWriteFile(t, filepath.Join(yarnDir, "yarn-site.xml"), "yarn from YARN_CONF_DIR")
	utWriteFile(t, filepath.Join(yarnDir, "core-site.xml"), "core from YARN_CONF_DIR")
	utWriteFile(t, filepath.Join(hadoopDir, "core-site.xml"), "core from HADOOP_CONF_DIR")
	utWriteFile(t, filepath.Join(hadoopDir, "hdfs-site.xml"), "hdfs")
	utWriteFile(t, filepath.Join(hadoopDir, "sub", "ignored.xml"), "subdirectories are not shipped")
	if err := os.Symlink(filepath.Join(hadoopDir, "hdfs-site.xml"), filepath.Join(hadoopDir, "link.xml")); err != nil {
		t.Fatal(err)
	}
	b, err := zipConfig([]string{yarnDir, hadoopDir})
	if err != nil {
		t.Fatal(err)
	}
	got := utUnzip(t, b)
	want := map[string]string{
		"yarn-site.xml": "yarn from YARN_CONF_DIR",
		"core-site.xml": "core from YARN_CONF_DIR", // the earlier directory wins
		"hdfs-site.xml": "hdfs",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("zip contents = %v, want %v", got, want)
	}

	empty, err := zipConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(utUnzip(t, empty)) != 0 {
		t.Errorf("zip of no directories is not empty")
	}
	_, err = zipConfig([]string{filepath.Join(t.TempDir(), "absent")})
	if err == nil || !strings.Contains(err.Error(), "ship the Hadoop configuration") {
		t.Errorf("absent dir: err = %v", err)
	}
}

// utCluster is a Cluster whose configuration comes from a temporary directory
// holding a yarn-site.xml with the given properties.
func utCluster(t *testing.T, props map[string]string) *Cluster {
	t.Helper()
	t.Setenv("HADOOP_USER_NAME", "alice")
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<configuration>\n")
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("<property><name>" + k + "</name><value>" + props[k] + "</value></property>\n")
	}
	b.WriteString("</configuration>\n")
	utWriteFile(t, filepath.Join(dir, "yarn-site.xml"), b.String())
	conf, err := hadoopconf.LoadDirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &Cluster{conf: conf}
}

var utAppID = yarn.ApplicationID{ClusterTimestamp: 1700000000000, ID: 42}

func utSubmission(mode string) *Submission {
	return &Submission{AppLink: "pi", plan: &staging.Plan{}, Opts: &Options{
		DeployMode: mode, App: "/home/alice/bin/pi", AppArgs: []string{"1000"}, Queue: "batch",
		NumExecutors: 3, ExecutorMemoryMB: 2048, ExecutorCores: 2, DriverMemoryMB: 1536, DriverCores: 3,
		AMMemoryMB: 384, AMCores: 1, MaxExecutorFailures: 7, DriverTimeout: 45 * time.Second,
		Env: map[string]string{"K": "V"}, NodeLabel: "gpu", AMNodeLabel: "am", ExecutorNodeLabel: "gpu", Tags: []string{"t1", "t2"},
	}}
}

func TestAppSpec(t *testing.T) {
	c := utCluster(t, map[string]string{"yarn.resourcemanager.am.max-attempts": "5"})
	res := []spec.Resource{{Name: "pi", URL: "file:///s/pi", Type: spec.TypeFile, Visibility: spec.VisibilityApplication}}

	a := c.appSpec(utSubmission("cluster"), utAppID, "file:///s", res, nil)
	want := &spec.App{ID: "application_1700000000000_0042", Name: "pi", Mode: spec.ModeCluster, User: "alice",
		StagingDir: "file:///s", Queue: "batch", NumExecutors: 3, MaxExecutorFailures: 7, MaxAttempts: 5,
		DriverTimeout: spec.Duration(45 * time.Second), Resources: res,
		Driver:   spec.Process{Command: []string{"./pi", "1000"}, Env: map[string]string{"K": "V"}, MemoryMB: 1536, Cores: 3, NodeLabel: "am"},
		Executor: spec.Process{Command: []string{"./pi", "1000"}, Env: map[string]string{"K": "V"}, MemoryMB: 2048, Cores: 2, NodeLabel: "gpu"}}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("cluster mode spec:\n got %+v\nwant %+v", a, want)
	}

	sub := utSubmission("client")
	sub.Opts.MaxAppAttempts = 1
	sub.Opts.Name = "named"
	a = c.appSpec(sub, utAppID, "", nil, nil)
	if a.Mode != spec.ModeClient || a.MaxAttempts != 1 || a.Name != "named" {
		t.Errorf("client mode spec = %+v", a)
	}
	if !reflect.DeepEqual(a.Driver, spec.Process{}) {
		t.Errorf("client mode must not describe a driver: %+v", a.Driver)
	}

	// Without yarn.resourcemanager.am.max-attempts the YARN default (2) applies.
	c2 := utCluster(t, map[string]string{"yarn.resourcemanager.hostname": "rm"})
	if a := c2.appSpec(utSubmission("cluster"), utAppID, "", nil, nil); a.MaxAttempts != 2 {
		t.Errorf("default attempts = %d, want 2", a.MaxAttempts)
	}

	// local: files (already on every node) are in the spec (the AM links them; the
	// executors get them from the launch file), never in an environment.
	sub = utSubmission("cluster")
	sub.plan = &staging.Plan{Items: []staging.PlannedItem{
		{Source: "local:/opt/data/x.txt", Name: "x.txt", Location: staging.NodeLocal, Path: "/opt/data/x.txt"},
		{Source: "/home/alice/pi", Name: "pi", Location: staging.Local, Path: "/home/alice/pi"},
		{Source: "local:/opt/lib/y.so", Name: "y.so", Location: staging.NodeLocal, Path: "/opt/lib/y.so"},
	}}
	a = c.appSpec(sub, utAppID, "", nil, nil)
	if want := []spec.Link{{Path: "/opt/data/x.txt", Name: "x.txt"}, {Path: "/opt/lib/y.so", Name: "y.so"}}; !reflect.DeepEqual(a.NodeLocal, want) {
		t.Errorf("NodeLocal = %v, want %v", a.NodeLocal, want)
	}
	if a.Executor.Env["K"] != "V" || len(a.Executor.Env) != 1 {
		t.Errorf("user environment: %v", a.Executor.Env)
	}

	// Executors only: the executor command, no driver.
	sub = utSubmission("cluster")
	sub.AppLink, sub.Opts.App, sub.Opts.ExecutorCommand = "", "", []string{"/usr/bin/worker", "-x"}
	a = c.appSpec(sub, utAppID, "", nil, nil)
	if a.Name != "worker" || len(a.Driver.Command) != 0 || !reflect.DeepEqual(a.Executor.Command, []string{"/usr/bin/worker", "-x"}) {
		t.Errorf("executors-only spec = %+v", a)
	}
}

func TestAppName(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Name: "n", App: "/x/app"}, "n"},
		{Options{App: "/x/app"}, "app"},
		{Options{App: "hdfs://ns/apps/tool#alias"}, "tool"},
		{Options{ExecutorCommand: []string{"/bin/worker"}}, "worker"},
		{Options{}, "spindle"},
	} {
		if got := appName(&tc.o); got != tc.want {
			t.Errorf("appName(%+v) = %q, want %q", tc.o, got, tc.want)
		}
	}
}

func TestSubmissionContext(t *testing.T) {
	c := utCluster(t, nil)
	res := []spec.Resource{
		{Name: "spindle", URL: "hdfs://nn:8020/c/spindle", Size: 1, Timestamp: 2, Type: spec.TypeFile, Visibility: spec.VisibilityApplication},
		{Name: spec.ConfLink, URL: "hdfs://nn:8020/s/__spindle_conf__.zip", Size: 3, Timestamp: 4, Type: spec.TypeArchive, Visibility: spec.VisibilityApplication},
	}
	const secret = "0123456789abcdef"
	tlsID, err := amtls.New(utAppID.String(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode      string
		mem       int64
		cores     int32
		priority  int32
		attempts  int
		wantPrio  bool
		wantTries bool
	}{
		{"cluster", 1536, 3, 5, 4, true, true},
		{"client", 384, 1, 0, 0, false, false},
	} {
		sub := utSubmission(tc.mode)
		sub.Opts.Priority, sub.Opts.MaxAppAttempts = tc.priority, tc.attempts
		asc, err := c.submissionContext(sub, utAppID, secret, tlsID, res, []byte(`{"id":"x"}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := yarn.ApplicationIDFromProto(asc.GetApplicationId()); got != utAppID {
			t.Errorf("%s: application id = %v", tc.mode, got)
		}
		if asc.GetApplicationName() != "pi" || asc.GetQueue() != "batch" || asc.GetApplicationType() != ApplicationType {
			t.Errorf("%s: name/queue/type = %q/%q/%q", tc.mode, asc.GetApplicationName(), asc.GetQueue(), asc.GetApplicationType())
		}
		if asc.GetResource().GetMemory() != tc.mem || asc.GetResource().GetVirtualCores() != tc.cores {
			t.Errorf("%s: AM size = %d MB / %d vcores, want %d / %d", tc.mode, asc.GetResource().GetMemory(), asc.GetResource().GetVirtualCores(), tc.mem, tc.cores)
		}
		if !reflect.DeepEqual(asc.GetApplicationTags(), []string{"t1", "t2"}) {
			t.Errorf("%s: tags = %q", tc.mode, asc.GetApplicationTags())
		}
		if (asc.Priority != nil) != tc.wantPrio || asc.GetPriority().GetPriority() != tc.priority {
			t.Errorf("%s: priority = %v, want %d", tc.mode, asc.Priority, tc.priority)
		}
		if (asc.MaxAppAttempts != nil) != tc.wantTries || int(asc.GetMaxAppAttempts()) != tc.attempts {
			t.Errorf("%s: max attempts = %v, want %d", tc.mode, asc.MaxAppAttempts, tc.attempts)
		}
		// The AM's label goes on its own request only: the context's label would be every container's default.
		if amr := asc.GetAmContainerResourceRequest(); asc.NodeLabelExpression != nil || len(amr) != 1 ||
			amr[0].GetNodeLabelExpression() != "am" || amr[0].GetResourceName() != "*" || amr[0].GetNumContainers() != 1 ||
			amr[0].GetCapability().GetMemory() != tc.mem {
			t.Errorf("%s: node label = %v, AM request %v", tc.mode, asc.NodeLabelExpression, amr)
		}

		clc := asc.GetAmContainerSpec()
		if want := "./spindle am --spec spindle-spec.json 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr"; len(clc.GetCommand()) != 1 || clc.GetCommand()[0] != want {
			t.Errorf("%s: command = %q, want %q", tc.mode, clc.GetCommand(), want)
		}
		env := map[string]string{}
		for _, e := range clc.GetEnvironment() {
			env[e.GetKey()] = e.GetValue()
		}
		if env["HADOOP_CONF_DIR"] != "{{PWD}}/__spindle_conf__" || env["HADOOP_USER_NAME"] != "alice" {
			t.Errorf("%s: environment = %v", tc.mode, env)
		}
		var links []string
		for _, lr := range clc.GetLocalResources() {
			links = append(links, lr.GetKey())
		}
		if !reflect.DeepEqual(links, []string{"spindle", spec.ConfLink}) {
			t.Errorf("%s: local resources = %q", tc.mode, links)
		}
		amCreds, err := creds.Parse(clc.GetTokens())
		if err != nil {
			t.Fatalf("%s: tokens do not parse: %v", tc.mode, err)
		}
		got, ok := amCreds.Secret(spec.SecretAlias)
		if !ok || string(got) != secret {
			t.Errorf("%s: secret %q = %q, %v", tc.mode, spec.SecretAlias, got, ok)
		}
		// The spec travels in the credentials: no file to write on the cluster.
		if got, ok := amCreds.Secret(spec.SpecSecretAlias); !ok || string(got) != `{"id":"x"}` {
			t.Errorf("%s: spec in the credentials = %q, %v", tc.mode, got, ok)
		}
		shipped, err := amtls.FromCredentials(amCreds)
		if err != nil || shipped.Pin() != tlsID.Pin() || !bytes.Equal(shipped.KeyDER, tlsID.KeyDER) {
			t.Errorf("%s: TLS identity in the AM's credentials: %v", tc.mode, err)
		}
		if strings.Contains(strings.Join(clc.GetCommand(), " "), tlsID.Pin()) {
			t.Errorf("%s: the AM's command line carries TLS material", tc.mode)
		}
	}

	// Nothing the user gives is in the AM's launch context: its environment is
	// the configuration directory and the user only.
	sub := utSubmission("cluster")
	sub.plan = &staging.Plan{Items: []staging.PlannedItem{{Source: "local:/opt/x", Name: "x", Location: staging.NodeLocal, Path: "/opt/x"}}}
	asc, err := c.submissionContext(sub, utAppID, secret, tlsID, res, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range asc.GetAmContainerSpec().GetEnvironment() {
		if e.GetKey() != spec.EnvHadoopConfDir && e.GetKey() != spec.EnvHadoopUser {
			t.Errorf("AM environment has %s=%q", e.GetKey(), e.GetValue())
		}
	}

	// A resource the launch context cannot express is an error, not a broken submission.
	_, err = c.submissionContext(utSubmission("cluster"), utAppID, secret, tlsID, []spec.Resource{{Name: "x", URL: "relative"}}, nil, nil)
	if err == nil {
		t.Error("bad resource URL: no error")
	}
}

func TestReportFromProto(t *testing.T) {
	p := &yarnpb.ApplicationReportProto{
		ApplicationId: utAppID.Proto(), Name: proto.String("pi"), User: proto.String("alice"),
		Queue: proto.String("batch"), ApplicationType: proto.String("SPINDLE"),
		YarnApplicationState:   yarnpb.YarnApplicationStateProto_FINISHED.Enum(),
		FinalApplicationStatus: yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED.Enum(),
		Diagnostics:            proto.String("  all done\n"), TrackingUrl: proto.String("http://rm:8088/proxy/x/"),
		Host: proto.String("node1"), RpcPort: proto.Int32(4321), Progress: proto.Float32(1),
		StartTime: proto.Int64(1700000000000), FinishTime: proto.Int64(1700000060000),
	}
	r := reportFromProto(p)
	want := &Report{ID: "application_1700000000000_0042", Name: "pi", User: "alice", Queue: "batch", Type: "SPINDLE",
		State: "FINISHED", FinalStatus: "SUCCEEDED", Diagnostics: "all done", TrackingURL: "http://rm:8088/proxy/x/",
		AMHost: "node1", AMPort: 4321, Progress: 1, StartTime: time.UnixMilli(1700000000000), FinishTime: time.UnixMilli(1700000060000)}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("report:\n got %+v\nwant %+v", r, want)
	}
	if !r.Terminal() || !r.Succeeded() {
		t.Errorf("FINISHED/SUCCEEDED: terminal=%v succeeded=%v", r.Terminal(), r.Succeeded())
	}

	// What the RM says before the AM is up: "N/A" placeholders, no times.
	r = reportFromProto(&yarnpb.ApplicationReportProto{ApplicationId: utAppID.Proto(),
		YarnApplicationState:   yarnpb.YarnApplicationStateProto_ACCEPTED.Enum(),
		FinalApplicationStatus: yarnpb.FinalApplicationStatusProto_APP_UNDEFINED.Enum(),
		Host:                   proto.String("N/A"), TrackingUrl: proto.String("N/A")})
	if r.AMHost != "" || r.TrackingURL != "" || r.Diagnostics != "" || !r.StartTime.IsZero() || !r.FinishTime.IsZero() {
		t.Errorf("placeholders not cleared: %+v", r)
	}
	if r.State != "ACCEPTED" || r.FinalStatus != "UNDEFINED" || r.Terminal() || r.Succeeded() {
		t.Errorf("ACCEPTED report = %+v", r)
	}
}

func TestReportTerminalSucceeded(t *testing.T) {
	for _, tc := range []struct {
		state, final        string
		terminal, succeeded bool
	}{
		{"NEW", "UNDEFINED", false, false},
		{"NEW_SAVING", "UNDEFINED", false, false},
		{"SUBMITTED", "UNDEFINED", false, false},
		{"ACCEPTED", "UNDEFINED", false, false},
		{"RUNNING", "UNDEFINED", false, false},
		{"RUNNING", "SUCCEEDED", false, false},
		{"FINISHED", "SUCCEEDED", true, true},
		{"FINISHED", "FAILED", true, false},
		{"FINISHED", "KILLED", true, false},
		{"FINISHED", "UNDEFINED", true, false},
		{"FAILED", "FAILED", true, false},
		{"KILLED", "KILLED", true, false},
	} {
		r := &Report{State: tc.state, FinalStatus: tc.final}
		if r.Terminal() != tc.terminal || r.Succeeded() != tc.succeeded {
			t.Errorf("%s/%s: terminal=%v succeeded=%v, want %v %v", tc.state, tc.final, r.Terminal(), r.Succeeded(), tc.terminal, tc.succeeded)
		}
	}
}
