//go:build integration

package main

// End-to-end tests of watching an application live (issue 13): the driver's
// output on the client's stdout while the application runs, --json events,
// the summary in spindle status after the end (also once the ResourceManager
// has forgotten the application), spindle list, and the status
// page in a headless Chromium through the ResourceManager's proxy.
//
//	source <(/work/shared/yarn-testcluster/env.sh)
//	go test -tags integration -run E2ELive -v -timeout 20m ./cmd/spindle/

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/client/logs"
	"github.com/spindle-yarn/spindle/hadoopconf"
)

// chattyOnce builds testdata/e2e/chatty once per run.
var chattyOnce = sync.OnceValues(func() (string, error) {
	out := filepath.Join(e2e.dir, "bin", "chatty")
	return out, goBuild(out, "../../testdata/e2e/chatty")
})

func chatty(t *testing.T) string {
	t.Helper()
	bin, err := chattyOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// A cluster-mode driver's line reaches the client's stdout while the
// application is still RUNNING; stdout holds exactly the driver's stdout;
// a failing driver's last stderr lines and the spindle logs command follow;
// spindle status then shows the summary and spindle list finds the application.
func TestE2ELiveOutputStatusList(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "1", "--name", "live-e2e"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, chatty(t), "8", "1s", "7")...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	p.waitOutput(t, ctx, regexp.MustCompile(`chatty: line 2 of 8`))
	if r, err := cl.Report(ctx, a.id); err != nil || r.State != "RUNNING" {
		t.Fatalf("the driver's line arrived, but the application is not RUNNING: %+v %v", r, err)
	}
	if code := p.wait(t, ctx); code == 0 {
		t.Errorf("spindle exited 0 for a driver that exited 7")
	}
	var want strings.Builder
	for i := 1; i <= 8; i++ {
		want.WriteString("chatty: line " + strconv.Itoa(i) + " of 8\n")
	}
	if got := p.stdout(); got != want.String() {
		t.Errorf("stdout is not exactly the driver's stdout:\n%q\nwant\n%q", got, want.String())
	}
	stderr := p.stderr()
	for _, w := range []string{"  | chatty: giving up, exiting with code 7",
		"spindle logs " + a.str + " --container container_", "--file stderr"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	t.Logf("what the user sees on stderr:\n%s", stderr)

	st := runSpindle(t, ctx, nil, "status", a.str)
	for _, w := range []string{"Summary (attempt 1", "driver exit code: 7", "executor-started", "driver-exited", "finishing"} {
		if !strings.Contains(st.stdout(), w) {
			t.Errorf("spindle status lacks %q:\n%s%s", w, st.stdout(), st.stderr())
		}
	}
	ls := runSpindle(t, ctx, nil, "list", "--state", "FINISHED", "--name", "live-e2e", "--json")
	var reps []struct{ ID, State, FinalStatus string }
	if err := json.Unmarshal([]byte(ls.stdout()), &reps); err != nil {
		t.Fatalf("list --json: %v\n%s", err, ls.stdout())
	}
	found := false
	for _, r := range reps {
		found = found || (r.ID == a.str && r.State == "FINISHED" && r.FinalStatus == "FAILED")
	}
	if !found {
		t.Errorf("spindle list does not show %s FINISHED/FAILED: %+v", a.str, reps)
	}

	gone := forgetApp(t, ctx, a)
	st = runSpindle(t, ctx, nil, "status", gone)
	for _, w := range []string{"the ResourceManager no longer knows it", "Summary (attempt 1", "driver exit code: 7", "driver-exited"} {
		if !strings.Contains(st.stdout(), w) {
			t.Errorf("spindle status %s (unknown to the RM) lacks %q:\n%s%s", gone, w, st.stdout(), st.stderr())
		}
	}
}

// forgetApp makes the ResourceManager forget finished application a, as
// yarn.resourcemanager.max-completed-applications would: once its logs are
// aggregated, it moves them to the directory of an application id the RM
// never issued, and returns that id.
func forgetApp(t *testing.T, ctx context.Context, a e2eApp) string {
	t.Helper()
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	waitAggregated(t, ctx, conf, a.str)
	gone := client.ApplicationID{ClusterTimestamp: a.id.ClusterTimestamp, Sequence: 9000 + int32(os.Getpid()%1000)}
	from, err := logs.AppLogDirs(conf, conf.User(), a.str, a.id.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	to, err := logs.AppLogDirs(conf, conf.User(), gone.String(), gone.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	fsys, _ := e2eStaging(t, a.str)
	if fsys == nil {
		t.FailNow()
	}
	defer fsys.Close()
	for i, u := range from {
		if _, err := fsys.Stat(ctx, u.Path); err != nil {
			continue
		}
		dst := to[i].Path
		t.Cleanup(func() { _ = fsys.RemoveAll(context.Background(), dst) })
		if err := fsys.RemoveAll(ctx, dst); err != nil {
			t.Fatal(err)
		}
		if err := fsys.MkdirAll(ctx, path.Dir(dst), 0o770); err != nil {
			t.Fatal(err)
		}
		if err := fsys.Rename(ctx, u.Path, dst); err != nil {
			t.Fatal(err)
		}
		t.Logf("moved %s's aggregated logs to %s (%s is unknown to the ResourceManager)", a.str, dst, gone)
		return gone.String()
	}
	t.Fatalf("no aggregated logs of %s in %v", a.str, from)
	return ""
}

// waitAggregated waits for the ResourceManager to report application id's
// logs aggregated (its REST API's logAggregationStatus).
func waitAggregated(t *testing.T, ctx context.Context, conf *hadoopconf.Conf, id string) {
	t.Helper()
	webs, err := conf.RMWebAddresses()
	if err != nil {
		t.Fatal(err)
	}
	var status string
	for try := 0; try < 60; try++ {
		var got struct {
			App struct{ LogAggregationStatus string }
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+webs[0]+"/ws/v1/cluster/apps/"+id, nil)
		req.Header.Set("Accept", "application/json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			err = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			status = got.App.LogAggregationStatus
		}
		if status == "SUCCEEDED" {
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("the logs of %s were not aggregated within a minute (status %q)", id, status)
}

// --json prints one parseable JSON object per line with every event type,
// for an application whose one executor crashes and is replaced.
func TestE2ELiveJSON(t *testing.T) {
	needCluster(t)
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	marker := filepath.Join(t.TempDir(), "crashed")
	args := append([]string{"submit", "--json", "--json-output", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "2"}, e2eSizes...)
	p := runSpindle(t, ctx, nil, append(args, e2e.crashy, "once", marker)...)
	seen := map[string]int{}
	var finished map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.stdout()))
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("stdout line is not JSON: %v: %q", err, sc.Text())
		}
		typ, _ := ev["type"].(string)
		seen[typ]++
		if typ == "submitted" {
			trackApp(t, cl, ev["app"].(string))
		}
		if typ == "finished" {
			finished = ev
		}
	}
	for _, typ := range []string{"submitted", "state", "attempt-started", "driver-started", "executor-started",
		"executor-failed", "executor-replaced", "output", "driver-exited", "finishing", "finished"} {
		if seen[typ] == 0 {
			t.Errorf("no %q event; saw %v\nstdout:\n%s\nstderr:\n%s", typ, seen, p.stdout(), p.stderr())
		}
	}
	if finished["finalStatus"] != "SUCCEEDED" || finished["exitCode"] != float64(0) {
		t.Errorf("finished event: %v", finished)
	}
}

// The status page, rendered by a real headless Chromium through the
// ResourceManager's web proxy, shows the application id, its state, the
// executors table and the events.
func TestE2ELiveStatusPage(t *testing.T) {
	needCluster(t)
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no headless browser: %s is missing (apt-get install -y chromium)", chromium)
	}
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "1", "--quiet"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, chatty(t), "60", "1s", "0")...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	waitState(t, ctx, cl, a, "RUNNING")
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	webs, err := conf.RMWebAddresses()
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + webs[0] + "/proxy/" + a.str + "/"
	var dom string
	for try := 0; try < 20; try++ { // until the executor has started
		dom = dumpDOM(t, ctx, chromium, url)
		if strings.Contains(dom, "executor-started") {
			break
		}
		time.Sleep(2 * time.Second)
	}
	for _, w := range []string{a.str, `id="state"`, ">running<", `id="executors"`, `id="events"`, "attempt-started",
		"executor-started", "Failure budget", `id="driver-log"`, "http-equiv=\"refresh\""} {
		if !strings.Contains(dom, w) {
			t.Errorf("the page Chromium rendered from %s lacks %q:\n%s", url, w, dom)
		}
	}
	shot := filepath.Join(t.TempDir(), "status.png")
	runChromium(t, ctx, chromium, "--screenshot="+shot, "--window-size=1280,900", url)
	if st, err := os.Stat(shot); err != nil || st.Size() < 1000 {
		t.Errorf("no screenshot of the status page: %v", err)
	}
	if _, err := cl.Kill(ctx, a.id, "status page test done", nil); err != nil {
		t.Errorf("kill: %v", err)
	}
}

// dumpDOM returns the DOM Chromium renders for url.
func dumpDOM(t *testing.T, ctx context.Context, chromium, url string) string {
	t.Helper()
	return runChromium(t, ctx, chromium, "--dump-dom", url)
}

// runChromium runs headless Chromium with a throw-away profile.
func runChromium(t *testing.T, ctx context.Context, chromium string, args ...string) string {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(cctx, chromium, append(base, args...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", args, err)
	}
	return string(out)
}
