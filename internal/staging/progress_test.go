package staging

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLineReporter(t *testing.T) {
	var buf bytes.Buffer
	p := NewLineReporter(&buf)
	p(Event{Kind: EventStart, ID: 1, Name: "a", Total: 10})
	p(Event{Kind: EventBytes, ID: 1, Name: "a", Bytes: 5, Total: 10})
	p(Event{Kind: EventDone, ID: 1, Name: "a", Report: &Report{Name: "a", URL: "hdfs://ns/s/a", Outcome: Uploaded, Bytes: 3 << 20, Size: 3 << 20}})
	p(Event{Kind: EventDone, ID: 2, Name: "spindle", Report: &Report{Name: "spindle", URL: "hdfs://ns/c/spindle", Outcome: Cached, Size: 2048}})
	p(Event{Kind: EventDone, ID: 3, Name: "d.zip", Report: &Report{Name: "d.zip", URL: "hdfs://ns/d.zip", Outcome: OnCluster, Size: 5}})
	p(Event{Kind: EventDone, ID: 4, Name: "bad", Err: errors.New("boom")})
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := [][]string{
		{"uploaded", "a", "3.0 MiB", "hdfs://ns/s/a"},
		{"cached", "spindle", "2.0 KiB", "hdfs://ns/c/spindle"},
		{"in place", "d.zip", "5 B", "hdfs://ns/d.zip"},
		{"FAILED", "bad", "boom"},
	}
	if len(lines) != len(want) {
		t.Fatalf("output:\n%s", buf.String())
	}
	for i, w := range want {
		for _, s := range w {
			if !strings.Contains(lines[i], s) {
				t.Errorf("line %q lacks %q", lines[i], s)
			}
		}
	}
}

func TestBarReporter(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	p := newBar(&buf, func() time.Time { return now })
	p(Event{Kind: EventStart, ID: 1, Total: 1000})
	p(Event{Kind: EventStart, ID: 2, Total: 1000})
	renders := strings.Count(buf.String(), "\r")
	for i := int64(1); i <= 100; i++ {
		p(Event{Kind: EventBytes, ID: 1, Bytes: i * 10, Total: 1000}) // no time passes: throttled
	}
	if got := strings.Count(buf.String(), "\r"); got != renders {
		t.Errorf("%d renders without time passing, want none", got-renders)
	}
	now = now.Add(time.Second)
	p(Event{Kind: EventDone, ID: 1, Bytes: 1000, Report: &Report{}})
	if !strings.Contains(buf.String(), " 50%") || !strings.Contains(buf.String(), "1/2 files") {
		t.Errorf("after one of two files: %q", buf.String())
	}
	p(Event{Kind: EventDone, ID: 2, Report: &Report{Outcome: Cached}})
	out := buf.String()
	if !strings.Contains(out, "100%") || !strings.Contains(out, "2/2 files") || !strings.HasSuffix(out, "\n") {
		t.Errorf("final output %q", out)
	}
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file is not a terminal")
	}
	if NewProgress(f, false) != nil {
		t.Error("no progress for non-terminals unless verbose")
	}
	if NewProgress(f, true) == nil {
		t.Error("verbose gives line-per-file progress")
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 30: "5.0 GiB", 3 << 40: "3.0 TiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
