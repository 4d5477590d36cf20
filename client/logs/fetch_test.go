package logs

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// fakeRM answers the Fetcher's ResourceManager questions.
type fakeRM struct {
	mu         sync.Mutex
	unknown    bool
	states     []yarnpb.YarnApplicationStateProto // successive report states; the last repeats
	reports    int
	user       string
	finish     time.Time
	containers []*yarnpb.ContainerReportProto
	hideUntil  int // containers are listed only once this many reports were made
	nodes      []*yarnpb.NodeReportProto
}

func (f *fakeRM) ApplicationReport(ctx context.Context, id yarn.ApplicationID) (*yarnpb.ApplicationReportProto, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unknown {
		return nil, &ipc.ApplicationNotFoundError{RemoteError: &ipc.RemoteError{
			ClassName: "org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException",
			Message:   fmt.Sprintf("Application with id '%s' doesn't exist in RM.", id)}}
	}
	st := f.states[min(f.reports, len(f.states)-1)]
	f.reports++
	rep := &yarnpb.ApplicationReportProto{ApplicationId: id.Proto(), User: proto.String(f.user), YarnApplicationState: st.Enum()}
	if !f.finish.IsZero() {
		rep.FinishTime = proto.Int64(f.finish.UnixMilli())
	}
	return rep, nil
}

func (f *fakeRM) Attempts(ctx context.Context, id yarn.ApplicationID) ([]*yarnpb.ApplicationAttemptReportProto, error) {
	return []*yarnpb.ApplicationAttemptReportProto{{ApplicationAttemptId: yarn.AttemptID{App: id, Attempt: 1}.Proto()}}, nil
}

func (f *fakeRM) Containers(ctx context.Context, id yarn.AttemptID) ([]*yarnpb.ContainerReportProto, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reports < f.hideUntil {
		return nil, nil
	}
	return f.containers, nil
}

func (f *fakeRM) ClusterNodes(ctx context.Context, states ...yarnpb.NodeStateProto) ([]*yarnpb.NodeReportProto, error) {
	return f.nodes, nil
}

var testApp = yarn.ApplicationID{ClusterTimestamp: 1700000000000, ID: 7}

func cid(n int64) string {
	return yarn.NewContainerID(yarn.AttemptID{App: testApp, Attempt: 1}, 0, n).String()
}

// testConf is a configuration with aggregated logs under dir.
func testConf(t *testing.T, dir string) *hadoopconf.Conf {
	t.Helper()
	conf := hadoopconf.NewDefault(hadoopconf.Options{User: "alice", LookupEnv: func(string) (string, bool) { return "", false }})
	conf.Set(KeyLogAggregationEnable, "true")
	conf.Set(KeyRemoteAppLogDir, "file://"+filepath.ToSlash(dir))
	return conf
}

// collect runs Fetch and returns "container@node/file: content" lines.
func collect(t *testing.T, f *Fetcher, opts Options) ([]string, *Result, error) {
	t.Helper()
	var out []string
	res, err := f.Fetch(ctxT(t), testApp, opts, func(lf *LogFile) error {
		b, err := io.ReadAll(lf.Content)
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s@%s/%s: %s", lf.Container, lf.Node, lf.Name, b))
		return nil
	})
	return out, res, err
}

func TestFetchRunning(t *testing.T) {
	nm, srv := startNM(t, "nm1:8041")
	nm.set(cid(1), "stdout", "driver out")
	nm.set(cid(1), "stderr", "driver err")
	nm.set(cid(2), "stdout", "exec 1 out")
	nm.set(cid(3), "stdout", "exec 2 out") // ended: the RM no longer lists it
	nm.states[cid(3)] = "DONE"
	nm.set("container_1700000000000_0008_01_000001", "stdout", "another application")
	hostPort := strings.TrimPrefix(srv.URL, "http://")
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_RUNNING},
		nodes: []*yarnpb.NodeReportProto{{HttpAddress: proto.String(hostPort)}}}
	for _, n := range []int64{2, 1} {
		id, _ := yarn.ParseContainerID(cid(n))
		rm.containers = append(rm.containers, &yarnpb.ContainerReportProto{ContainerId: id.Proto(),
			NodeHttpAddress: proto.String(srv.URL), NodeId: &yarnpb.NodeIdProto{Host: proto.String("nm1"), Port: proto.Int32(8041)}})
	}
	f := &Fetcher{RM: rm, Conf: testConf(t, t.TempDir())}
	got, res, err := collect(t, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		cid(1) + "@nm1:8041/stderr: driver err",
		cid(1) + "@nm1:8041/stdout: driver out",
		cid(2) + "@nm1:8041/stdout: exec 1 out",
		cid(3) + "@nm1:8041/stdout: exec 2 out",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Source != SourceNodeManagers || res.Files != 4 || res.State != "RUNNING" {
		t.Errorf("result %+v", res)
	}
	// The node given with and without scheme is listed once.
	listings := 0
	for _, r := range nm.log() {
		if r == "/ws/v1/node/containers" {
			listings++
		}
	}
	if listings != 1 {
		t.Errorf("%d container listings: %v", listings, nm.log())
	}

	got, _, err = collect(t, f, Options{Containers: []string{cid(3), cid(2)}, Files: []string{"std*"}})
	if err != nil || len(got) != 2 || !strings.HasPrefix(got[0], cid(2)) {
		t.Errorf("filtered: %v, %v", got, err)
	}
	_, _, err = collect(t, f, Options{Containers: []string{cid(9)}})
	var nl *NoLogsError
	if !errors.As(err, &nl) || !strings.Contains(err.Error(), "no log file matches") || !strings.Contains(err.Error(), cid(3)) {
		t.Errorf("no match: %v", err)
	}
	if _, _, err = collect(t, f, Options{Containers: []string{"container_bad"}}); err == nil {
		t.Error("bad container id accepted")
	}
	if _, _, err = collect(t, f, Options{Files: []string{"[x"}}); err == nil {
		t.Error("bad pattern accepted")
	}
}

func TestFetchRunningNMFailure(t *testing.T) {
	nm, srv := startNM(t, "nm1:8041")
	nm.set(cid(1), "stdout", "driver out")
	nm.listFails = true // the RM's report must be enough
	id, _ := yarn.ParseContainerID(cid(1))
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_RUNNING},
		containers: []*yarnpb.ContainerReportProto{{ContainerId: id.Proto(), NodeHttpAddress: proto.String(srv.URL)}}}
	var warnings []string
	f := &Fetcher{RM: rm, Conf: testConf(t, t.TempDir()), MaxNodeScan: -1, Warn: func(m string) { warnings = append(warnings, m) }}
	got, _, err := collect(t, f, Options{})
	if err != nil || len(got) != 1 || !strings.HasSuffix(got[0], "/stdout: driver out") || !strings.Contains(got[0], "@nm1:8041/") {
		t.Fatalf("got %v, %v", got, err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "list the containers") {
		t.Errorf("warnings %v", warnings)
	}
}

func TestFetchAccepted(t *testing.T) {
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_ACCEPTED}}
	f := &Fetcher{RM: rm, Conf: testConf(t, t.TempDir())}
	_, _, err := collect(t, f, Options{})
	var nl *NoLogsError
	if !errors.As(err, &nl) || !strings.Contains(err.Error(), "ACCEPTED and has no containers yet") {
		t.Fatalf("err = %v", err)
	}
}

// After a ResourceManager failover the application shows ACCEPTED, then
// RUNNING with no containers, until its AM registers again: Fetch keeps
// looking, within AcceptedWait, and finds the logs once they are listed.
func TestFetchAfterFailover(t *testing.T) {
	nm, srv := startNM(t, "nm1:8041")
	nm.set(cid(1), "stdout", "driver out")
	id, _ := yarn.ParseContainerID(cid(1))
	rm := &fakeRM{user: "alice", hideUntil: 3,
		states:     []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_ACCEPTED, yarnpb.YarnApplicationStateProto_RUNNING},
		containers: []*yarnpb.ContainerReportProto{{ContainerId: id.Proto(), NodeHttpAddress: proto.String(srv.URL)}}}
	f := &Fetcher{RM: rm, Conf: testConf(t, t.TempDir()), MaxNodeScan: -1, AcceptedWait: time.Minute}
	got, res, err := collect(t, f, Options{})
	if err != nil || len(got) != 1 || !strings.HasSuffix(got[0], "/stdout: driver out") {
		t.Fatalf("got %v, %v", got, err)
	}
	if looked := strings.Join(res.Looked, ", "); res.State != "RUNNING" || strings.Count(looked, "container reports") != 1 {
		t.Errorf("result %+v: want RUNNING, and only the last look's places", res)
	}
	if rm.reports != 3 {
		t.Errorf("%d reports, want 3 (the first, then one per empty look)", rm.reports)
	}

	// With no wait, one look: nothing yet.
	rm.reports = 0
	f.AcceptedWait = 0
	if _, _, err := collect(t, f, Options{}); !errors.As(err, new(*NoLogsError)) {
		t.Errorf("no wait: err = %v, want a *NoLogsError", err)
	}
}

// writeAggregated writes an aggregated log file for testApp under root.
func writeAggregated(t *testing.T, root string, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func sampleFile() []byte {
	return tfBuilder{codec: codecGz}.build(aggLog("alice", sampleContainers("1700000000000_0007")...))
}

func TestFetchFinished(t *testing.T) {
	for name, rel := range map[string]string{
		"hadoop 3.2":   "alice/logs-tfile/" + testApp.String() + "/nm1_8041",
		"hadoop 3.3":   "alice/bucket-logs-tfile/0007/" + testApp.String() + "/nm1_8041",
		"hadoop 2":     "alice/logs/" + testApp.String() + "/nm1_8041",
		"rolling name": "alice/logs-tfile/" + testApp.String() + "/nm1_8041_1700000012345",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeAggregated(t, dir, rel, sampleFile())
			writeAggregated(t, dir, filepath.Dir(rel)+"/.nm1_8041.crc", []byte("crc"))
			rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_FINISHED}}
			f := &Fetcher{RM: rm, Conf: testConf(t, dir)}
			got, res, err := collect(t, f, Options{Files: []string{"stdout"}})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				cid(1) + "@nm1:8041/stdout: driver says hello\n",
				cid(2) + "@nm1:8041/stdout: executor 1\n",
				cid(3) + "@nm1:8041/stdout: executor 2 without newline",
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("got %q", got)
			}
			if res.Source != SourceAggregated || res.State != "FINISHED" || res.Files != 3 {
				t.Errorf("result %+v", res)
			}
		})
	}
}

func TestFetchFinishedRealFile(t *testing.T) {
	data, err := os.ReadFile(realLog)
	if err != nil {
		t.Fatal(err)
	}
	app, _ := yarn.ParseApplicationID("application_1795211786074_0015")
	dir := t.TempDir()
	writeAggregated(t, dir, "root/logs-tfile/"+app.String()+"/localhost_18045", data)
	rm := &fakeRM{user: "root", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_FINISHED}}
	f := &Fetcher{RM: rm, Conf: testConf(t, dir)}
	var stdout string
	_, err = f.Fetch(ctxT(t), app, Options{Containers: []string{"container_1795211786074_0015_01_000001"}, Files: []string{"stdout"}}, func(lf *LogFile) error {
		b, err := io.ReadAll(lf.Content)
		stdout = lf.Node + ": " + string(b)
		return err
	})
	if err != nil || !strings.HasPrefix(stdout, "localhost:18045: driver: asked 2 executors") || !strings.Contains(stdout, "Pi is roughly") {
		t.Fatalf("stdout %q, %v", stdout, err)
	}
}

func TestFetchNoAggregatedLogs(t *testing.T) {
	dir := t.TempDir()
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_FINISHED}}
	conf := testConf(t, dir)
	f := &Fetcher{RM: rm, Conf: conf}
	_, _, err := collect(t, f, Options{})
	var nl *NoLogsError
	if !errors.As(err, &nl) || nl.State != "FINISHED" {
		t.Fatalf("err = %#v", err)
	}
	msg := err.Error()
	for _, want := range []string{"file://" + filepath.ToSlash(dir) + "/alice/logs-tfile/" + testApp.String(), "bucket-logs-tfile/0007", "yarn.log-aggregation-enable"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	conf.Set(KeyLogAggregationEnable, "false")
	if _, _, err = collect(t, f, Options{}); err == nil || !strings.Contains(err.Error(), "log aggregation is off") {
		t.Errorf("aggregation off: %v", err)
	}
	conf.Set(KeyLogAggregationEnable, "true")
	rm.finish = time.Now()
	if _, _, err = collect(t, f, Options{}); err == nil || !strings.Contains(err.Error(), "finished recently") {
		t.Errorf("just finished: %v", err)
	}
	writeAggregated(t, dir, "alice/logs-tfile/"+testApp.String()+"/nm1_8041.tmp", []byte("partial"))
	if _, _, err = collect(t, f, Options{}); err == nil || !strings.Contains(err.Error(), "still uploading") {
		t.Errorf("upload in progress: %v", err)
	}
}

func TestFetchIndexedFormat(t *testing.T) {
	dir := t.TempDir()
	sum := sha256.Sum256([]byte(testApp.String()))
	writeAggregated(t, dir, "alice/logs-tfile/"+testApp.String()+"/nm1_8041", append(sum[:], "indexed"...))
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_KILLED}}
	_, _, err := collect(t, &Fetcher{RM: rm, Conf: testConf(t, dir)}, Options{})
	if !errors.Is(err, ErrIndexedFormat) || !strings.Contains(err.Error(), "nm1_8041") {
		t.Fatalf("err = %v", err)
	}
}

func TestFetchCorruptAggregatedFile(t *testing.T) {
	dir := t.TempDir()
	data := sampleFile()
	writeAggregated(t, dir, "alice/logs-tfile/"+testApp.String()+"/nm1_8041", data[:len(data)-3])
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_FAILED}}
	_, _, err := collect(t, &Fetcher{RM: rm, Conf: testConf(t, dir)}, Options{})
	if err == nil || !strings.Contains(err.Error(), "nm1_8041") || !strings.Contains(err.Error(), "corrupt TFile") {
		t.Fatalf("err = %v", err)
	}
}

func TestFetchUnknownApp(t *testing.T) {
	dir := t.TempDir()
	rm := &fakeRM{unknown: true}
	f := &Fetcher{RM: rm, Conf: testConf(t, dir)}
	_, _, err := collect(t, f, Options{})
	var ua *UnknownAppError
	var nf *ipc.ApplicationNotFoundError
	if !errors.As(err, &ua) || !errors.As(err, &nf) || !strings.Contains(err.Error(), "unknown to the ResourceManager") {
		t.Fatalf("err = %v", err)
	}
	// The RM forgot it, but the logs are there (under the given owner).
	writeAggregated(t, dir, "bob/logs-tfile/"+testApp.String()+"/nm1_8041", sampleFile())
	got, res, err := collect(t, f, Options{Owner: "bob"})
	if err != nil || len(got) != 5 || res.State != "" {
		t.Fatalf("got %v %+v %v", got, res, err)
	}
	_, _, err = collect(t, f, Options{Owner: "bob", Files: []string{"nosuch"}})
	if !errors.As(err, new(*NoLogsError)) || !strings.Contains(err.Error(), "no log file matches") {
		t.Fatalf("no match: %v", err)
	}
}

func TestFetchEndsWhileListing(t *testing.T) {
	// RUNNING at first, FINISHED when asked again: the NodeManagers have
	// nothing, the aggregated logs are read.
	dir := t.TempDir()
	writeAggregated(t, dir, "alice/logs-tfile/"+testApp.String()+"/nm1_8041", sampleFile())
	_, srv := startNM(t, "nm1:8041")
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_RUNNING, yarnpb.YarnApplicationStateProto_FINISHED},
		nodes: []*yarnpb.NodeReportProto{{HttpAddress: proto.String(strings.TrimPrefix(srv.URL, "http://"))}}}
	got, res, err := collect(t, &Fetcher{RM: rm, Conf: testConf(t, dir)}, Options{})
	if err != nil || len(got) != 5 || res.Source != SourceAggregated || res.State != "FINISHED" {
		t.Fatalf("got %v %+v %v", got, res, err)
	}
}

func TestFetchCallbackError(t *testing.T) {
	dir := t.TempDir()
	writeAggregated(t, dir, "alice/logs-tfile/"+testApp.String()+"/nm1_8041", sampleFile())
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_FINISHED}}
	stop := errors.New("stop")
	_, err := (&Fetcher{RM: rm, Conf: testConf(t, dir)}).Fetch(ctxT(t), testApp, Options{}, func(*LogFile) error { return stop })
	if err != stop {
		t.Fatalf("err = %v", err)
	}
}

func TestAppLogDirs(t *testing.T) {
	conf := hadoopconf.NewDefault(hadoopconf.Options{User: "alice", LookupEnv: func(string) (string, bool) { return "", false }})
	str := func(us []*url.URL) string {
		var s []string
		for _, u := range us {
			s = append(s, u.String())
		}
		return strings.Join(s, " ")
	}
	dirs, err := AppLogDirs(conf, "bob", "application_1_12345", 12345)
	if err != nil {
		t.Fatal(err)
	}
	want := "file:///tmp/logs/bob/logs-tfile/application_1_12345 file:///tmp/logs/bob/bucket-logs-tfile/2345/application_1_12345 file:///tmp/logs/bob/logs/application_1_12345"
	if str(dirs) != want {
		t.Errorf("defaults:\n%s\nwant\n%s", str(dirs), want)
	}
	conf.Set("fs.defaultFS", "hdfs://nn:8020")
	conf.Set(KeyRemoteAppLogDir, "/app-logs")
	conf.Set(KeyRemoteAppLogDirSuffix, "agg")
	conf.Set(KeyFileFormats, "IFile,TFile")
	conf.Set("yarn.log-aggregation.IFile.remote-app-log-dir", "hdfs://other/ilogs")
	conf.Set("yarn.log-aggregation.TFile.remote-app-log-dir-suffix", "tf")
	dirs, err = AppLogDirs(conf, "bob", "application_1_0003", 3)
	if err != nil {
		t.Fatal(err)
	}
	want = "hdfs://other/ilogs/bob/agg-ifile/application_1_0003 hdfs://other/ilogs/bob/bucket-agg-ifile/0003/application_1_0003 " +
		"hdfs://nn:8020/app-logs/bob/tf/application_1_0003 hdfs://nn:8020/app-logs/bob/bucket-tf/0003/application_1_0003 " +
		"hdfs://nn:8020/app-logs/bob/agg/application_1_0003"
	if str(dirs) != want {
		t.Errorf("configured:\n%s\nwant\n%s", str(dirs), want)
	}
	conf.Set(KeyRemoteAppLogDir, "relative/dir")
	if _, err := AppLogDirs(conf, "bob", "application_1_0003", 3); err == nil {
		t.Error("relative directory accepted")
	}
}

func TestOpenFSSchemes(t *testing.T) {
	conf := hadoopconf.NewDefault(hadoopconf.Options{User: "alice", LookupEnv: func(string) (string, bool) { return "", false }})
	if _, err := OpenFS(ctxT(t), conf, &url.URL{Scheme: "s3a", Host: "bucket", Path: "/logs"}); err == nil || !strings.Contains(err.Error(), "only file:// and hdfs://") {
		t.Errorf("s3a: %v", err)
	}
	fsys, err := OpenFS(ctxT(t), conf, &url.URL{Scheme: "file", Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	if _, err := fsys.ReadDir(ctxT(t), "/nonexistent-spindle-dir"); !isNotExist(err) {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := fsys.Open(ctxT(t), os.TempDir()); err == nil {
		t.Error("opened a directory")
	}
}

func TestNodeFromFileName(t *testing.T) {
	for in, want := range map[string]string{
		"localhost_18045":                    "localhost:18045",
		"host_with_underscore_8041":          "host_with_underscore:8041",
		"nm1.example.com_8041_1700000000123": "nm1.example.com:8041",
		"plain":                              "plain",
	} {
		if got := nodeFromFileName(in); got != want {
			t.Errorf("nodeFromFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFetchRunningUnreachableNM(t *testing.T) {
	srv := httptestClosedURL(t)
	id, _ := yarn.ParseContainerID(cid(1))
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_RUNNING},
		containers: []*yarnpb.ContainerReportProto{{ContainerId: id.Proto(), NodeHttpAddress: proto.String(srv)}}}
	var warnings []string
	f := &Fetcher{RM: rm, Conf: testConf(t, t.TempDir()), MaxNodeScan: -1, Warn: func(m string) { warnings = append(warnings, m) }}
	_, _, err := collect(t, f, Options{})
	var nl *NoLogsError
	if !errors.As(err, &nl) || !strings.Contains(err.Error(), "could not be read from the NodeManagers") || !strings.Contains(err.Error(), "NodeManager "+srv) {
		t.Fatalf("err = %v", err)
	}
	if len(warnings) < 2 {
		t.Errorf("warnings %v", warnings)
	}
}

// httptestClosedURL returns the URL of a server that is no longer there.
func httptestClosedURL(t *testing.T) string {
	t.Helper()
	_, srv := startNM(t, "gone:1")
	srv.Close()
	return srv.URL
}

func TestOpenHDFSErrors(t *testing.T) {
	conf := hadoopconf.NewDefault(hadoopconf.Options{User: "alice", LookupEnv: func(string) (string, bool) { return "", false }})
	if _, err := OpenFS(ctxT(t), conf, &url.URL{Scheme: "hdfs", Host: "127.0.0.1:1", Path: "/logs"}); err == nil || !strings.Contains(err.Error(), "connect to HDFS NameNode(s) 127.0.0.1:1") {
		t.Errorf("unreachable NameNode: %v", err)
	}
	conf.Set("hadoop.security.authentication", "kerberos")
	if _, err := OpenFS(ctxT(t), conf, &url.URL{Scheme: "hdfs", Host: "nn:8020", Path: "/logs"}); err == nil || !strings.Contains(err.Error(), "Kerberos") {
		t.Errorf("kerberos: %v", err)
	}
}

// TestFilterContainerEpoch: an id typed without the epoch selects the
// container whatever its epoch (RM recovery gives ids an e<epoch>_ part);
// one typed with an epoch selects only that epoch.
func TestFilterContainerEpoch(t *testing.T) {
	const withEpoch = "container_e01_1795211786074_0015_01_000001"
	for _, tt := range []struct {
		typed, id string
		want      bool
	}{
		{"container_1795211786074_0015_01_000001", withEpoch, true},
		{"container_1795211786074_0015_01_000001", "container_1795211786074_0015_01_000001", true},
		{withEpoch, withEpoch, true},
		{withEpoch, "container_1795211786074_0015_01_000001", false},
		{"container_e02_1795211786074_0015_01_000001", withEpoch, false},
		{"container_1795211786074_0015_01_000002", withEpoch, false},
		{"container_1795211786074_0015_02_000001", withEpoch, false},
		{"container_1795211786074_0016_01_000001", withEpoch, false},
	} {
		fl, err := newFilter(Options{Containers: []string{tt.typed}})
		if err != nil {
			t.Fatal(err)
		}
		if got := fl.container(tt.id); got != tt.want {
			t.Errorf("--container %s selects %s = %v, want %v", tt.typed, tt.id, got, tt.want)
		}
	}
	if _, err := newFilter(Options{Containers: []string{"container_e1x_1_0001_01_000001"}}); err == nil || !strings.Contains(err.Error(), "--container") {
		t.Errorf("bad id: err = %v, want one naming --container", err)
	}
}
