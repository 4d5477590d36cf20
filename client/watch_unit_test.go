package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
)

// flakyAM serves a fixed driver output and event log, a chunk at a time,
// failing every other request, as an AM behind a bad network would.
type flakyAM struct {
	mu       sync.Mutex
	chunks   []container.OutputChunk
	events   []container.Event
	requests int
}

func (f *flakyAM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	fail := f.requests%2 == 0
	f.mu.Unlock()
	if fail {
		http.Error(w, `{"error":"flaky"}`, http.StatusBadGateway)
		return
	}
	from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	from = max(from, 1)
	switch r.URL.Path {
	case "/api/v1/driver/output":
		p := container.OutputPage{Chunks: []container.OutputChunk{}, Next: from}
		if int(from) <= len(f.chunks) {
			p.Chunks = append(p.Chunks, f.chunks[from-1])
			p.Next = from + 1
		}
		p.Closed = int(p.Next) > len(f.chunks)
		json.NewEncoder(w).Encode(p)
	case "/api/v1/events":
		p := container.EventPage{Events: []container.Event{}, Next: from}
		if int(from) <= len(f.events) {
			p.Events = f.events[from-1:]
			p.Next = int64(len(f.events) + 1)
		}
		json.NewEncoder(w).Encode(p)
	default:
		http.NotFound(w, r)
	}
}

// syncBuffer is a bytes.Buffer safe for the watcher's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The watcher copies the driver's output to stdout and stderr exactly once
// and in order although every other request fails, records the tail of
// stderr and the AM container, and hands out the events.
func TestWatcherResumesWithoutLossOrDuplication(t *testing.T) {
	am := &flakyAM{}
	var wantOut, wantErr strings.Builder
	var off = map[string]int64{}
	for i := 1; i <= 20; i++ {
		stream, line := container.StreamStdout, "out "+strconv.Itoa(i)+"\n"
		if i%5 == 0 {
			stream, line = container.StreamStderr, "err "+strconv.Itoa(i)+"\n"
			wantErr.WriteString(line)
		} else {
			wantOut.WriteString(line)
		}
		am.chunks = append(am.chunks, container.OutputChunk{Seq: int64(i), Stream: stream, FileOffset: off[stream], Data: []byte(line)})
		off[stream] += int64(len(line))
	}
	code := 3
	am.events = []container.Event{{Seq: 1, Type: container.EventAttemptStarted, Container: "container_1_0001_01_000001"},
		{Seq: 2, Type: container.EventDriverExited, ExitStatus: &code}, {Seq: 3, Type: container.EventFinishing}}
	ts := httptest.NewServer(am)
	defer ts.Close()

	var stdout, stderr syncBuffer
	var mu sync.Mutex
	var seen []string
	log := logrus.New()
	log.SetOutput(&bytes.Buffer{})
	cfg := RunConfig{Log: log, Stdout: &stdout, Stderr: &stderr, OnAMEvent: func(e container.Event) {
		mu.Lock()
		seen = append(seen, e.Type)
		mu.Unlock()
	}}
	w := newWatcher(cfg, &Application{Secret: "s"}, true)
	w.pause, w.retryIn = time.Millisecond, 10*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	watchTestAM(ctx, w, ts.URL)
	time.Sleep(50 * time.Millisecond) // let the watcher take the address
	w.wait(ctx)

	if stdout.String() != wantOut.String() || stderr.String() != wantErr.String() {
		t.Errorf("stdout %q\nwant   %q\nstderr %q\nwant   %q", stdout.String(), wantOut.String(), stderr.String(), wantErr.String())
	}
	amCont, complete, offsets, tail, exit := w.state()
	if amCont != "container_1_0001_01_000001" || !complete || exit == nil || *exit != 3 {
		t.Errorf("state: container %q, complete %v, exit %v", amCont, complete, exit)
	}
	if offsets[container.StreamStdout] != off[container.StreamStdout] || offsets[container.StreamStderr] != off[container.StreamStderr] {
		t.Errorf("offsets %v, want %v", offsets, off)
	}
	if strings.Join(tail, ",") != "err 5,err 10,err 15,err 20" {
		t.Errorf("tail: %q", tail)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, " ") != "attempt-started driver-exited finishing" {
		t.Errorf("events: %v", seen)
	}
}

func TestLineTailAndAMLines(t *testing.T) {
	tl := lineTail{max: 2}
	tl.write([]byte("a\nb\nc"))
	tl.write([]byte("d\ne\n"))
	if got := strings.Join(tl.lines(), ","); got != "cd,e" {
		t.Errorf("tail: %q", got)
	}
	if !isAMLogLine(`time="16:10:01.933" level=info msg="driver started"`) || isAMLogLine("level=info from the driver") ||
		!isAMLogLine("2026-12-01 17:00:44.298 INFO  driver started: ./pi (pid 42) app=application_1_0001") ||
		isAMLogLine("2026-12-01 a driver line that starts with a date") {
		t.Error("isAMLogLine")
	}
}

// An AM that runs no driver answers 404 for its output: the watcher takes
// that as the whole output (nothing to read from the logs either) and ends
// with the finishing event, without waiting out endGrace.
func TestWatcherAMWithoutDriver(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/driver/output":
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"this ApplicationMaster runs no driver"}`))
		case "/api/v1/events":
			json.NewEncoder(w).Encode(container.EventPage{Events: []container.Event{{Seq: 1, Type: container.EventFinishing}}, Next: 2})
		}
	}))
	defer ts.Close()
	log := logrus.New()
	log.SetOutput(&bytes.Buffer{})
	w := newWatcher(RunConfig{Log: log, Stdout: &syncBuffer{}, Stderr: &syncBuffer{}}, &Application{Secret: "s"}, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	watchTestAM(ctx, w, ts.URL)
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	w.wait(ctx)
	if _, complete, _, _, _ := w.state(); !complete {
		t.Error("the output of an AM without a driver is not complete")
	}
	if d := time.Since(start); d > endGrace/2 {
		t.Errorf("wait took %v", d)
	}
}

// Once YARN reports the end, an AM that does not answer is gone: the
// watcher stops retrying it instead of waiting out endGrace (a killed
// application's client used to linger 8 s).
func TestWatcherAMGoneAfterEnd(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(container.EventPage{Next: 1})
	}))
	log := logrus.New()
	log.SetOutput(&bytes.Buffer{})
	w := newWatcher(RunConfig{Log: log, Stdout: &syncBuffer{}, Stderr: &syncBuffer{}}, &Application{Secret: "s"}, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	watchTestAM(ctx, w, ts.URL)
	time.Sleep(100 * time.Millisecond)
	ts.CloseClientConnections()
	ts.Close() // the AM is killed: connections refused from now on
	start := time.Now()
	w.wait(ctx)
	if d := time.Since(start); d > endGrace/2 {
		t.Errorf("wait for a gone AM took %v, want well under endGrace (%v)", d, endGrace)
	}
}

// watchTestAM has w follow the AM at url (an httptest server) as the
// running attempt's, until ctx ends.
func watchTestAM(ctx context.Context, w *watcher, url string) {
	go w.run(ctx)
	host, port, _ := strings.Cut(strings.TrimPrefix(url, "http://"), ":")
	p, _ := strconv.Atoi(port)
	w.onReport(&Report{State: "RUNNING", AMHost: host, AMPort: int32(p)})
}
