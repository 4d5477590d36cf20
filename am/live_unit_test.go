package am

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/am/httpapi"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// The ring keeps the driver's writes in order with their offsets in the log
// files, even when the AM's own log lines share the stderr file.
func TestOutputRingOffsets(t *testing.T) {
	var outFile, errFile bytes.Buffer
	ring := newOutputRing()
	stdout := tee{file: &fileWriter{w: &outFile}, ring: ring, stream: container.StreamStdout}
	errW := &fileWriter{w: &errFile}
	stderr := tee{file: errW, ring: ring, stream: container.StreamStderr}
	stdout.Write([]byte("one\n"))
	errW.Write([]byte("time=\"x\" level=info msg=am\n"))
	stderr.Write([]byte("oops\n"))
	stdout.Write([]byte("two\n"))
	ring.close()

	page, _ := ring.since(1, 1<<20)
	if len(page.Chunks) != 3 || !page.Closed || page.Next != 4 {
		t.Fatalf("page: %+v", page)
	}
	for _, c := range page.Chunks {
		file := outFile.Bytes()
		if c.Stream == container.StreamStderr {
			file = errFile.Bytes()
		}
		if got := string(file[c.FileOffset : c.FileOffset+int64(len(c.Data))]); got != string(c.Data) {
			t.Errorf("chunk %d at offset %d: the file has %q there, the chunk %q", c.Seq, c.FileOffset, got, c.Data)
		}
	}
	if page.Chunks[1].Stream != container.StreamStderr || page.Chunks[1].FileOffset != int64(len("time=\"x\" level=info msg=am\n")) {
		t.Errorf("stderr chunk: %+v", page.Chunks[1])
	}
	// Resuming from the middle neither loses nor repeats a chunk.
	page, _ = ring.since(2, 1<<20)
	if len(page.Chunks) != 2 || page.Chunks[0].Seq != 2 {
		t.Errorf("from 2: %+v", page)
	}
	// A small page limit still makes progress, one chunk at a time.
	page, _ = ring.since(1, 1)
	if len(page.Chunks) != 1 || page.Next != 2 || page.Closed {
		t.Errorf("limited page: %+v", page)
	}
	if ring.drained() {
		t.Error("drained before the reader asked past the end")
	}
	ring.since(4, 1<<20)
	if !ring.drained() {
		t.Error("not drained after the reader asked past the end")
	}
}

func TestOutputRingBounded(t *testing.T) {
	ring := newOutputRing()
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for i := 0; i < 6; i++ {
		ring.add(container.StreamStdout, int64(i)<<20, chunk)
	}
	page, _ := ring.since(1, 64<<20)
	if page.Dropped != 2 || len(page.Chunks) != 4 || page.Chunks[0].Seq != 3 {
		t.Errorf("dropped %d, %d chunks from %d; want 2 dropped, 4 from 3", page.Dropped, len(page.Chunks), page.Chunks[0].Seq)
	}
}

func TestEventLogSince(t *testing.T) {
	l := newEventLog()
	p, changed := l.since(1)
	if len(p.Events) != 0 || p.Next != 1 {
		t.Fatalf("empty log: %+v", p)
	}
	l.add(container.Event{Type: container.EventAttemptStarted})
	select {
	case <-changed:
	default:
		t.Fatal("adding an event did not signal waiters")
	}
	l.add(container.Event{Type: container.EventExecutorStarted})
	p, _ = l.since(2)
	if len(p.Events) != 1 || p.Events[0].Seq != 2 || p.Next != 3 {
		t.Errorf("since 2: %+v", p)
	}
	for i := 0; i < maxEvents; i++ {
		l.add(container.Event{Type: container.EventExecutorStarted})
	}
	p, _ = l.since(1)
	if p.Dropped != 2 || len(p.Events) != maxEvents || p.Events[0].Seq != 3 {
		t.Errorf("bounded: dropped %d, %d events from %d", p.Dropped, len(p.Events), p.Events[0].Seq)
	}
}

// serveTestAPI serves m's HTTP API until the test ends and returns its URL.
func serveTestAPI(t *testing.T, m *master) string {
	t.Helper()
	srv, err := httpapi.New(m.secret, m)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Drain(); ts.Close() })
	return ts.URL
}

// serveDriverAPI serves m's HTTP API until the test ends and returns a
// driver's client of it and its URL.
func serveDriverAPI(t *testing.T, m *master) (*container.Client, string) {
	t.Helper()
	url := serveTestAPI(t, m)
	sdk, err := container.Connect(container.Env{Role: container.RoleDriver, AppID: m.spec.ID, Secret: m.secret, AMURL: url})
	if err != nil {
		t.Fatal(err)
	}
	return sdk, url
}

// Through the HTTP API: executor events with their reasons (a memory kill
// names the limit, failures the budget), the counts in /api/v1/app, a
// long-poll woken by an event, and the driver's output for the driver only.
func TestMasterLiveOverHTTP(t *testing.T) {
	m, _ := testMaster(&spec.App{ID: "application_1_0001", User: "alice", Queue: "batch"}, 2)
	m.events, m.output = newEventLog(), newOutputRing()
	m.pool.events = m.events
	sdk, url := serveDriverAPI(t, m)
	ctx := context.Background()
	got := make(chan container.EventPage, 1)
	go func() {
		p, err := sdk.Events(ctx, 1, 10*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- p
	}()
	time.Sleep(100 * time.Millisecond)
	m.pool.Assign("c1", "n:1", "nm1", "")
	m.pool.Running("c1")
	select {
	case p := <-got:
		if len(p.Events) != 1 || p.Events[0].Type != container.EventExecutorStarted || p.Events[0].Host != "nm1" {
			t.Errorf("long-poll answer: %+v", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the long-poll did not end when an event came")
	}
	m.pool.Completed("c1", exitKilledExceededPMem, "Container killed on request. Exit code is 143")
	m.pool.Assign("c2", "n:1", "nm2", "")
	m.pool.Running("c2")
	p, err := sdk.Events(ctx, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range p.Events {
		types = append(types, e.Type)
	}
	if strings.Join(types, " ") != "executor-failed executor-started executor-replaced" {
		t.Fatalf("events: %v", types)
	}
	if msg := p.Events[0].Message; !strings.Contains(msg, "physical memory limit of 1024 MB") || !strings.Contains(msg, "failure 1 of 5") {
		t.Errorf("failure event: %q", msg)
	}
	if p.Events[2].Replaces != "1" {
		t.Errorf("replacement: %+v", p.Events[2])
	}
	info, err := sdk.App(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Running != 1 || info.Pending != 1 || info.Failed != 1 || info.User != "alice" || info.Queue != "batch" || info.FailureBudget != 5 {
		t.Errorf("app info: %+v", info.Live)
	}

	m.output.add(container.StreamStdout, 0, []byte("hello\n"))
	out, err := sdk.DriverOutput(ctx, 1, 0)
	if err != nil || len(out.Chunks) != 1 || string(out.Chunks[0].Data) != "hello\n" {
		t.Errorf("driver output: %+v %v", out, err)
	}
	exec, _ := container.Connect(container.Env{Role: container.RoleExecutor, AppID: m.spec.ID, ExecutorID: "2",
		Secret: spec.ExecutorSecret(m.secret), AMURL: url})
	var se *container.StatusError
	if _, err := exec.DriverOutput(ctx, 1, 0); !errors.As(err, &se) || se.StatusCode != 403 {
		t.Errorf("an executor read the driver's output: %v", err)
	}
}

// An events long-poll woken by the first of a burst of events answers the
// whole burst: one request per burst, not one per event.
func TestEventsLongPollAnswersBurst(t *testing.T) {
	m, _ := testMaster(&spec.App{ID: "application_1_0001", User: "alice"}, 3)
	m.events = newEventLog()
	m.pool.events = m.events
	sdk, _ := serveDriverAPI(t, m)
	got := make(chan container.EventPage, 1)
	go func() {
		p, err := sdk.Events(context.Background(), 1, 10*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- p
	}()
	time.Sleep(100 * time.Millisecond)
	for i, host := range []string{"nm1", "nm2", "nm3"} {
		cid := fmt.Sprintf("c%d", i+1)
		m.pool.Assign(cid, host+":1", host, "")
		m.pool.Running(cid)
		time.Sleep(30 * time.Millisecond) // within eventLinger of the first
	}
	select {
	case p := <-got:
		if len(p.Events) != 3 || p.Next != 4 {
			t.Errorf("long-poll answer has %d events (next %d), want the burst of 3: %+v", len(p.Events), p.Next, p.Events)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the long-poll did not end after the burst")
	}
}
