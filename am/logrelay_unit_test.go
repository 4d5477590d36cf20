package am

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// The relay's bookkeeping: a follower's read makes a stream wanted from its
// offset, a push that continues the window is kept and read, one that does
// not is dropped, interest expires, and an ended executor's rest is read
// before Ended.
func TestLogRelayDemand(t *testing.T) {
	now := time.Unix(1000, 0)
	r := newLogRelay(func() time.Time { return now })
	if d, _ := r.demand("1"); len(d.From) != 0 {
		t.Fatalf("demand before any follower: %+v", d)
	}
	page, changed := r.read("1", true, "stdout", 100, 1<<20)
	if len(page.Data) != 0 || page.Ended {
		t.Fatalf("first read: %+v", page)
	}
	d, _ := r.demand("1")
	if d.From["stdout"] != 100 || len(d.From) != 1 || d.Version == 0 {
		t.Fatalf("demand after a read at 100: %+v", d)
	}
	if d2 := r.push("1", "stdout", 50, []byte("stale")); d2.From["stdout"] != 100 {
		t.Fatalf("a push off the window moved it: %+v", d2)
	}
	d2 := r.push("1", "stdout", 100, []byte("hello\n"))
	if d2.From["stdout"] != 106 || d2.Version != d.Version {
		t.Fatalf("demand after a push: %+v (before %+v)", d2, d)
	}
	select {
	case <-changed:
	default:
		t.Fatal("a push did not wake the follower")
	}
	if page, _ = r.read("1", true, "stdout", 100, 1<<20); string(page.Data) != "hello\n" || page.Offset != 100 {
		t.Fatalf("read after the push: %+v", page)
	}
	if page, _ = r.read("1", true, "stdout", 103, 2); string(page.Data) != "lo" {
		t.Fatalf("read of 2 bytes at 103: %q", page.Data)
	}
	// A follower behind the window moves it back: the launcher reads again.
	r.read("1", true, "stdout", 0, 1<<20)
	if d3, _ := r.demand("1"); d3.From["stdout"] != 0 || d3.Version == d2.Version {
		t.Fatalf("demand after a read at 0: %+v", d3)
	}
	now = now.Add(relayTTL)
	if d4, _ := r.demand("1"); len(d4.From) != 0 {
		t.Fatalf("demand after relayTTL without a read: %+v", d4)
	}
	r.read("1", true, "stderr", 0, 1<<20)
	r.push("1", "stderr", 0, []byte("last words"))
	r.ended("1")
	if page, _ = r.read("1", false, "stderr", 0, 1<<20); string(page.Data) != "last words" || page.Ended {
		t.Fatalf("read of an ended executor's rest: %+v", page)
	}
	if page, _ = r.read("1", false, "stderr", 10, 1<<20); !page.Ended || len(page.Data) != 0 {
		t.Fatalf("read past an ended executor's rest: %+v", page)
	}
	if d5, _ := r.demand("1"); len(d5.From) != 0 {
		t.Fatalf("demand of an ended executor: %+v", d5)
	}
}

// The window keeps the latest maxRelayWindow bytes.
func TestLogRelayWindowBound(t *testing.T) {
	r := newLogRelay(time.Now)
	r.read("1", true, "stdout", 0, 1)
	chunk := bytes.Repeat([]byte("x"), 300<<10)
	var off int64
	for range 5 {
		d := r.push("1", "stdout", off, chunk)
		off = d.From["stdout"]
	}
	if off != 5*300<<10 {
		t.Fatalf("window end %d", off)
	}
	w := r.logs["1"].streams["stdout"]
	if len(w.data) != maxRelayWindow || w.start != off-maxRelayWindow {
		t.Fatalf("window [%d, +%d), want the last %d bytes", w.start, len(w.data), maxRelayWindow)
	}
}

// Over HTTP, the whole path: `spindle logs --follow` with the viewers'
// secret asks for an executor's stdout; the launcher's pusher learns of it,
// reads the container's log file and pushes; the follower gets what the
// executor wrote after it started following, and the viewers' secret is
// refused on what changes the application.
func TestContainerLogOverHTTP(t *testing.T) {
	m, _ := testMaster(&spec.App{ID: "application_1_0001"}, 1)
	m.logs = &containerLogs{own: map[string]ownStream{}, relay: newLogRelay(time.Now)}
	m.pool.onEnd = append(m.pool.onEnd, func(id string, _ bool) { m.logs.relay.ended(id) })
	e := m.pool.Assign("container_1_0001_01_000002", "node1:8041", "node1", "")
	m.pool.Running(e.containerID)
	url := serveTestAPI(t, m)

	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	out.WriteString("before\n")
	launcherSDK, err := container.Connect(container.Env{AMURL: url, Secret: spec.ExecutorSecret(m.secret), ExecutorID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	readBack, err := os.Open(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	p := &logPusher{c: launcherSDK, files: map[string]*os.File{"stdout": readBack}, logf: t.Logf}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	demands := make(chan container.LogDemand, 1)
	final := make(chan struct{})
	go p.watchDemand(ctx, demands)
	go p.run(ctx, demands, final)

	viewer, err := container.Connect(container.Env{AMURL: url, Secret: spec.ViewerSecret(m.secret)})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		out.WriteString("after\n")
	}()
	var got strings.Builder
	off := int64(len("before\n"))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(got.String(), "after\n") && time.Now().Before(deadline) {
		page, err := viewer.ContainerLog(ctx, e.containerID, "stdout", off, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got.Write(page.Data)
		off = page.Offset + int64(len(page.Data))
	}
	if got.String() != "after\n" {
		t.Fatalf("the follower got %q, want %q", got.String(), "after\n")
	}

	// The viewers' secret reads, and changes nothing.
	if _, err := viewer.App(ctx); err != nil {
		t.Fatalf("viewer GET /api/v1/app: %v", err)
	}
	for _, call := range map[string]func() error{
		"scale":       func() error { return viewer.Scale(ctx, 3) },
		"put":         func() error { return viewer.Put(ctx, "k", []byte("v")) },
		"get":         func() error { _, err := viewer.Get(ctx, "k"); return err },
		"credentials": func() error { _, err := viewer.Credentials(ctx, 0, 0); return err },
		"push":        func() error { _, err := viewer.PushLog(ctx, "stdout", 0, []byte("x")); return err },
	} {
		var se *container.StatusError
		if err := call(); !errors.As(err, &se) || se.StatusCode != http.StatusForbidden {
			t.Errorf("a viewer's call: %v, want 403", err)
		}
	}
	// A container the AM does not know: 404.
	var se *container.StatusError
	if _, err := viewer.ContainerLog(ctx, "container_1_0001_01_000009", "stdout", 0, 0); !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
		t.Errorf("unknown container: %v, want 404", err)
	}

	// The executor ends: the follower is told, after the rest.
	m.pool.Completed(e.containerID, 0, "")
	page, err := viewer.ContainerLog(ctx, e.containerID, "stdout", off, 5*time.Second)
	if err != nil || !page.Ended {
		t.Fatalf("after the end: %+v, %v", page, err)
	}
	close(final)
}
