package shell

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/am/httpapi"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/container/agent"
)

const testSecret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// fakeAM is an AM HTTP API (the real server) over a fake backend whose executors
// are in-process agents.
type fakeAM struct {
	t      *testing.T
	url    string
	runner func(id string) agent.Runner

	mu         sync.Mutex
	execs      []*fakeExec
	scales     []int
	finishes   []container.DriverFinish
	heartbeats int
	state      string
}

type fakeExec struct {
	info container.ExecutorInfo
	stop context.CancelFunc
	done chan struct{}
}

// newFakeAM starts the API with n executors whose agents use runner(id).
func newFakeAM(t *testing.T, n int, runner func(id string) agent.Runner) *fakeAM {
	t.Helper()
	f := &fakeAM{t: t, runner: runner, state: "running"}
	srv, err := httpapi.New(testSecret, f)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	f.url = ts.URL
	t.Cleanup(func() {
		f.mu.Lock()
		var dones []chan struct{}
		for _, e := range f.execs {
			if e.stop != nil {
				e.stop()
				dones = append(dones, e.done)
			}
		}
		f.mu.Unlock()
		for _, d := range dones {
			<-d
		}
		srv.Drain()
		ts.Close()
	})
	if err := f.Scale(n); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fakeAM) App() container.AppInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return container.AppInfo{ID: "application_1_0001", Name: "spindle-shell", Mode: "client", State: f.state}
}

func (f *fakeAM) Executors() []container.ExecutorInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []container.ExecutorInfo
	for _, e := range f.execs {
		out = append(out, e.info)
	}
	return out
}

// Scale starts agents up to n live executors, or stops the newest ones.
func (f *fakeAM) Scale(n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scales = append(f.scales, n)
	var live []*fakeExec
	for _, e := range f.execs {
		if e.info.State == container.ExecutorRunning {
			live = append(live, e)
		}
	}
	for i := len(live); i < n; i++ {
		f.startLocked()
	}
	for i := len(live) - 1; i >= n; i-- {
		e := live[i]
		e.stop()
		go func() {
			<-e.done
			f.mu.Lock()
			e.info.State = container.ExecutorKilled
			f.mu.Unlock()
		}()
	}
	return nil
}

// startLocked adds an executor, running as soon as it is added (like YARN's AM,
// which says running once the container starts, before the agent is up).
func (f *fakeAM) startLocked() {
	id := strconv.Itoa(len(f.execs) + 1)
	host := "host-" + id
	e := &fakeExec{info: container.ExecutorInfo{ID: id, Host: host, State: container.ExecutorRunning,
		ContainerID: "container_1_0001_01_00000" + id}, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	f.execs = append(f.execs, e)
	sdk, err := container.Connect(container.Env{Role: container.RoleExecutor, AppID: "application_1_0001",
		ExecutorID: id, AMURL: f.url, Secret: testSecret})
	if err != nil {
		f.t.Fatal(err)
	}
	var r agent.Runner
	if f.runner != nil {
		r = f.runner(id)
	}
	go func() {
		defer close(e.done)
		if err := agent.Run(ctx, sdk, agent.Config{ExecutorID: id, Host: host, Runner: r, Recheck: 200 * time.Millisecond}); err != nil {
			f.t.Errorf("agent %s: %v", id, err)
		}
	}()
}

// lose makes executor id fail without its agent answering.
func (f *fakeAM) lose(id, why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.execs {
		if e.info.ID == id {
			e.info.State, e.info.Diagnostics = container.ExecutorFailed, why
			code := 137
			e.info.ExitStatus = &code
		}
	}
}

func (f *fakeAM) DriverHeartbeat() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.heartbeats++
}

func (f *fakeAM) DriverFinished(d container.DriverFinish) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finishes = append(f.finishes, d)
}

// driver returns the driver's client.
func (f *fakeAM) driver(t *testing.T) *container.Client {
	t.Helper()
	sdk, err := container.Connect(container.Env{Role: container.RoleDriver, AppID: "application_1_0001", AMURL: f.url, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	return sdk
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newTestSession returns a session on f and its output buffers, with its
// executors ready.
func newTestSession(t *testing.T, f *fakeAM, n int) (*Session, *syncBuffer, *syncBuffer) {
	t.Helper()
	var out, errOut syncBuffer
	s := NewSession(f.driver(t), Config{Out: &out, Err: &errOut, PollInterval: 50 * time.Millisecond, ReadyTimeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitForExecutors(ctx, n); err != nil {
		t.Fatalf("executors not ready: %v\nstderr: %s", err, errOut.String())
	}
	return s, &out, &errOut
}

func exec(t *testing.T, s *Session, line string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if quit, err := s.Exec(ctx, line); quit || err != nil {
		t.Fatalf("Exec(%q) = %v, %v", line, quit, err)
	}
}

// delayed runs commands with the shell after a delay that is longer for lower
// executor ids, so that answers arrive in the reverse of the printing order.
func delayed(id string) agent.Runner {
	n, _ := strconv.Atoi(id)
	sh := agent.ShellRunner("", 0)
	return func(ctx context.Context, command string) agent.Result {
		time.Sleep(time.Duration(4-n) * 60 * time.Millisecond)
		return sh(ctx, command)
	}
}

func TestFanOutPrefixesAndOrdersOutput(t *testing.T) {
	f := newFakeAM(t, 3, delayed)
	s, out, errOut := newTestSession(t, f, 3)
	exec(t, s, "echo one; echo two >&2; printf three")
	want := "[1 host-1] one\n[1 host-1] two\n[1 host-1] three\n" +
		"[2 host-2] one\n[2 host-2] two\n[2 host-2] three\n" +
		"[3 host-3] one\n[3 host-3] two\n[3 host-3] three\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	if total, failed := s.Commands(); total != 1 || failed != 0 {
		t.Errorf("Commands() = %d, %d; want 1, 0 (stderr: %s)", total, failed, errOut.String())
	}
	// The command's keys are gone once it is done.
	keys, err := f.driver(t).List(context.Background(), "shell/")
	if err != nil {
		t.Fatal(err)
	}
	for k := range keys {
		if strings.HasPrefix(k, "shell/out/") || strings.HasPrefix(k, "shell/cmd/") {
			t.Errorf("key %s left behind", k)
		}
	}
}

func TestFailureIsReportedAndCounted(t *testing.T) {
	f := newFakeAM(t, 2, nil)
	s, out, errOut := newTestSession(t, f, 2)
	exec(t, s, `echo "exe $SPINDLE_TEST_UNSET"; exit 3`)
	if !strings.Contains(out.String(), "[1 host-1] exe \n") {
		t.Errorf("output: %q", out.String())
	}
	for _, want := range []string{"[1 host-1] exit code 3", "[2 host-2] exit code 3", "failed on 2 of 2 executors"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr %q lacks %q", errOut.String(), want)
		}
	}
	if _, failed := s.Commands(); failed != 1 {
		t.Errorf("failed = %d, want 1", failed)
	}
}

// counting wraps the shell runner and counts the commands per executor.
type counting struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counting) runner(id string) agent.Runner {
	sh := agent.ShellRunner("", 0)
	return func(ctx context.Context, command string) agent.Result {
		c.mu.Lock()
		c.n[id]++
		c.mu.Unlock()
		return sh(ctx, command)
	}
}

func TestOnRunsOnOneExecutor(t *testing.T) {
	c := &counting{n: map[string]int{}}
	f := newFakeAM(t, 3, c.runner)
	s, out, errOut := newTestSession(t, f, 3)
	exec(t, s, ":on 2 echo only   here")
	if got, want := out.String(), "[2 host-2] only here\n"; got != want {
		t.Errorf("output %q, want %q (stderr %q)", got, want, errOut.String())
	}
	exec(t, s, "echo all")
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n["1"] != 1 || c.n["2"] != 2 || c.n["3"] != 1 {
		t.Errorf("commands per executor: %v, want 1:1 2:2 3:1", c.n)
	}
	// Executors that do not exist or are not running are refused.
	exec(t, s, ":on 9 echo x")
	if !strings.Contains(errOut.String(), "no executor 9") {
		t.Errorf("stderr %q", errOut.String())
	}
	if total, failed := s.Commands(); total != 3 || failed != 1 {
		t.Errorf("Commands() = %d, %d; want 3, 1", total, failed)
	}
}

// started wraps the shell runner and reports each command as it starts.
func started(ch chan<- string) func(id string) agent.Runner {
	return func(id string) agent.Runner {
		sh := agent.ShellRunner("", 0)
		return func(ctx context.Context, command string) agent.Result {
			ch <- id
			return sh(ctx, command)
		}
	}
}

func TestInterruptStopsTheCommand(t *testing.T) {
	ch := make(chan string, 8)
	f := newFakeAM(t, 2, started(ch))
	s, _, errOut := newTestSession(t, f, 2)
	go func() {
		<-ch
		<-ch
		time.Sleep(100 * time.Millisecond) // let the agents watch the cancel key
		s.Interrupt()
	}()
	start := time.Now()
	exec(t, s, "echo begun; sleep 30")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the command took %v after the interrupt", d)
	}
	for _, want := range []string{"[1 host-1] exit code 130 (interrupted)", "[2 host-2] exit code 130 (interrupted)"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr %q lacks %q", errOut.String(), want)
		}
	}
	if s.Interrupt() {
		t.Error("Interrupt() = true with no command running")
	}
	if _, failed := s.Commands(); failed != 1 {
		t.Errorf("failed = %d, want 1", failed)
	}
}

func TestLostExecutorIsReported(t *testing.T) {
	hung := make(chan struct{}, 1)
	f := newFakeAM(t, 2, func(id string) agent.Runner {
		if id != "2" {
			return agent.ShellRunner("", 0)
		}
		// Executor 2 never answers: its container is about to go.
		return func(ctx context.Context, _ string) agent.Result {
			hung <- struct{}{}
			<-ctx.Done()
			return agent.Result{ExitCode: 137}
		}
	})
	s, out, errOut := newTestSession(t, f, 2)
	go func() {
		<-hung
		f.lose("2", "Container killed on request. Exit code is 137")
	}()
	exec(t, s, "echo fine")
	if got := out.String(); got != "[1 host-1] fine\n" {
		t.Errorf("output %q", got)
	}
	if want := "[2 host-2] executor lost: it is failed: Container killed on request. Exit code is 137"; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr %q lacks %q", errOut.String(), want)
	}
	if _, failed := s.Commands(); failed != 1 {
		t.Errorf("failed = %d, want 1", failed)
	}
}

func TestScaleAndExecutorsTable(t *testing.T) {
	f := newFakeAM(t, 3, nil)
	s, out, errOut := newTestSession(t, f, 3)
	exec(t, s, ":scale 5")
	exec(t, s, ":executors")
	f.mu.Lock()
	scales := append([]int(nil), f.scales...)
	f.mu.Unlock()
	if fmt.Sprint(scales) != "[3 5]" {
		t.Errorf("Backend.Scale calls %v, want [3 5] (the fake's start, then :scale)", scales)
	}
	table := out.String()
	if got := regexp.MustCompile(`(?m)^\d+ +host-\d +running +container_\S+ +-$`).FindAllString(table, -1); len(got) != 5 {
		t.Errorf("table has %d running rows, want 5:\n%s", len(got), table)
	}
	if !strings.HasPrefix(table, "ID  HOST    STATE    CONTAINER") {
		t.Errorf("table header: %q", table)
	}
	out.b.Reset()
	exec(t, s, ":scale 2")
	exec(t, s, "echo hi")
	if got, want := out.String(), "[1 host-1] hi\n[2 host-2] hi\n"; got != want {
		t.Errorf("after :scale 2: %q, want %q (stderr %q)", got, want, errOut.String())
	}
	if _, failed := s.Commands(); failed != 0 {
		t.Errorf("failed = %d (stderr %q)", failed, errOut.String())
	}
}

func TestUsageErrorsCountAsFailures(t *testing.T) {
	f := newFakeAM(t, 1, nil)
	s, out, errOut := newTestSession(t, f, 1)
	for _, line := range []string{":scale x", ":on 1", ":logs", ":nope", "  ", "# a comment"} {
		exec(t, s, line)
	}
	if total, failed := s.Commands(); total != 4 || failed != 4 {
		t.Errorf("Commands() = %d, %d; want 4, 4 (stderr %q)", total, failed, errOut.String())
	}
	exec(t, s, ":help")
	if !strings.Contains(out.String(), ":scale N") {
		t.Errorf(":help printed %q", out.String())
	}
	ctx := context.Background()
	if quit, err := s.Exec(ctx, ":quit"); !quit || err != nil {
		t.Errorf(":quit: %v, %v", quit, err)
	}
}

func TestRunScriptReportsFailuresAndFinishes(t *testing.T) {
	for _, tc := range []struct {
		script string
		failed int
	}{
		{"echo ok\n:executors\n", 0},
		{"echo ok\nfalse\n:executors\n", 1},
	} {
		f := newFakeAM(t, 3, nil)
		var out, errOut syncBuffer
		s := NewSession(f.driver(t), Config{Out: &out, Err: &errOut, PollInterval: 50 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		o := s.Run(ctx, NewScriptInput(strings.NewReader(tc.script)), RunOptions{Executors: 3, HeartbeatInterval: 50 * time.Millisecond})
		cancel()
		if o.Failed != tc.failed || o.Interrupted || o.Lost != nil || o.FinishErr != nil || o.ExitCode != 0 {
			t.Errorf("%q: outcome %+v, want %d failed and exit code 0", tc.script, o, tc.failed)
		}
		if n := strings.Count(out.String(), "] ok\n"); n != 3 {
			t.Errorf("%q: %d ok lines in %q", tc.script, n, out.String())
		}
		f.mu.Lock()
		if len(f.finishes) != 1 || f.finishes[0].ExitCode != 0 || !strings.Contains(f.finishes[0].Diagnostics, "end of input") {
			t.Errorf("%q: finishes %+v", tc.script, f.finishes)
		}
		if f.heartbeats == 0 {
			t.Errorf("%q: no heartbeat", tc.script)
		}
		f.mu.Unlock()
	}
}

func TestRunEndsWhenTheApplicationEnds(t *testing.T) {
	f := newFakeAM(t, 1, nil)
	s := NewSession(f.driver(t), Config{PollInterval: 50 * time.Millisecond})
	f.mu.Lock()
	f.state = "finishing"
	f.mu.Unlock()
	// The input never ends: only the application's end stops the session.
	in := NewScriptInput(blockingReader{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o := s.Run(ctx, in, RunOptions{HeartbeatInterval: 50 * time.Millisecond})
	if o.Lost == nil || !strings.Contains(o.Lost.Error(), "finishing") || ctx.Err() != nil {
		t.Errorf("outcome %+v", o)
	}
}

type blockingReader struct{}

func (blockingReader) Read([]byte) (int, error) { select {} }

func TestRunInterrupted(t *testing.T) {
	f := newFakeAM(t, 1, nil)
	s := NewSession(f.driver(t), Config{PollInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	o := s.Run(ctx, NewScriptInput(blockingReader{}), RunOptions{HeartbeatInterval: 50 * time.Millisecond})
	if !o.Interrupted || o.ExitCode != 130 {
		t.Errorf("outcome %+v", o)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.finishes) != 1 || f.finishes[0].ExitCode != 130 {
		t.Errorf("finishes %+v", f.finishes)
	}
}

func TestLogsFromTheNodeManager(t *testing.T) {
	const cid = "container_1_0001_01_000001"
	nm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file, ok := strings.CutPrefix(r.URL.Path, "/ws/v1/node/containers/"+cid+"/logs/")
		if !ok || r.URL.Query().Get("size") != "-65536" {
			http.NotFound(w, r)
			return
		}
		contents := "agent log line for " + file + "\n"
		fmt.Fprintf(w, "Container: %s on localhost:18045\nLogAggregationType: LOCAL\n====\nLogType:%s\nLogLastModifiedTime:now\nLogLength:%d\nLogContents:\n%sEnd of LogType:%s.This log file belongs to a running container (%s) and so may not be complete.\n*****\n\n",
			cid, file, len(contents), contents, file, cid)
	}))
	defer nm.Close()
	f := newFakeAM(t, 1, nil)
	f.mu.Lock()
	f.execs[0].info.ContainerID = cid
	f.execs[0].info.LogURL = nm.URL + "/node/containerlogs/" + cid + "/alice"
	f.mu.Unlock()
	s, out, errOut := newTestSession(t, f, 1)
	exec(t, s, ":logs 1")
	want := "==> executor 1 stdout (" + cid + " on host-1) <==\nagent log line for stdout\n" +
		"==> executor 1 stderr (" + cid + " on host-1) <==\nagent log line for stderr\n"
	if out.String() != want {
		t.Errorf(":logs printed %q\nwant %q\nstderr %q", out.String(), want, errOut.String())
	}
	exec(t, s, ":logs 7")
	if !strings.Contains(errOut.String(), "no executor 7") {
		t.Errorf("stderr %q", errOut.String())
	}
}

func TestParseNMLog(t *testing.T) {
	body := "Container: c on h:1\nLogAggregationType: LOCAL\n===\nLogType:stderr\nLogLastModifiedTime:x\nLogLength:10000\nLogContents:\nlast bytesEnd of LogType:stderr.\n****\n\n"
	text, total := parseNMLog([]byte(body), 10)
	if text != "last bytes" || total != 10000 {
		t.Errorf("tail: %q, %d", text, total)
	}
	text, total = parseNMLog([]byte("End of LogType:stdout.This log file belongs to a running container (c) and so may not be complete.\n***\n\n"), 100)
	if text != "" || total != 0 {
		t.Errorf("empty: %q, %d", text, total)
	}
	text, total = parseNMLog([]byte("plain text"), 100)
	if text != "plain text" || total != 10 {
		t.Errorf("plain: %q, %d", text, total)
	}
}

func TestTranslateInput(t *testing.T) {
	busy := func() bool { return true }
	idle := func() bool { return false }
	if got := string(translateInput([]byte("ab\x03c"), busy)); got != "abc" {
		t.Errorf("busy: %q", got)
	}
	if got := string(translateInput([]byte("ab\x03"), idle)); got != "ab"+clearAndEnter {
		t.Errorf("idle: %q", got)
	}
}

func TestHistorySkipsEmptyAndRepeatedLines(t *testing.T) {
	h := &history{max: 2}
	for _, l := range []string{"a", "", "b", "b", "c"} {
		h.Add(l)
	}
	if h.Len() != 2 || h.At(0) != "c" || h.At(1) != "b" {
		t.Errorf("history %v", h.entries)
	}
}

func TestOutputJSONRoundTrip(t *testing.T) {
	b, err := json.Marshal(agent.Command{Seq: 3, Targets: []string{"1", "2"}, Command: "ls", TimeoutSeconds: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != `{"seq":3,"targets":["1","2"],"command":"ls","timeoutSeconds":5}` {
		t.Errorf("command JSON %s", got)
	}
}

func TestRunEndsAtOnceWhenTheClusterSaysTheApplicationEnded(t *testing.T) {
	sdk, err := container.Connect(container.Env{Role: container.RoleDriver, AppID: "application_1_0001", AMURL: "http://127.0.0.1:1", Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	s := NewSession(sdk, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	o := s.Run(ctx, NewScriptInput(blockingReader{}), RunOptions{HeartbeatInterval: 50 * time.Millisecond, LostAfter: time.Hour,
		AppEnded: func(context.Context) error { return fmt.Errorf("application_1_0001 ended KILLED/KILLED") }})
	if o.Lost == nil || !strings.Contains(o.Lost.Error(), "KILLED") || time.Since(start) > 5*time.Second {
		t.Errorf("outcome %+v after %v", o, time.Since(start))
	}
}
