package shell

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/term"
)

func TestCompleteColon(t *testing.T) {
	for _, tc := range []struct {
		line      string
		pos       int
		want      string
		wantPos   int
		wantMatch bool
	}{
		{":ex", 3, ":executors ", 11, true},
		{":q", 2, ":quit ", 6, true},
		{":l", 2, ":logs ", 6, true},
		{":s", 2, ":scale ", 7, true},
		{":e 3", 2, ":executors 3", 11, true}, // completes the word before the cursor
		{":", 1, ":", 1, true},                // everything matches: nothing in common beyond ":"
		{":x", 2, ":x", 2, true},              // nothing matches: unchanged
		{"ls :e", 5, "ls :e", 5, true},        // not the first word
		{"hostname", 8, "hostname", 8, true},  // not a colon command
	} {
		got, pos, ok := completeColon(tc.line, tc.pos)
		if got != tc.want || pos != tc.wantPos || ok != tc.wantMatch {
			t.Errorf("completeColon(%q, %d) = %q, %d, %v; want %q, %d", tc.line, tc.pos, got, pos, ok, tc.want, tc.wantPos)
		}
	}
	// Every colon command of Help completes, and only those are offered.
	for _, c := range colonCommands() {
		if !strings.Contains(Help, "  "+c+" ") {
			t.Errorf("%s is completed but not in Help", c)
		}
	}
}

func newHistory(entries ...string) *history {
	h := &history{max: 100}
	for _, e := range entries {
		h.Add(e)
	}
	return h
}

func TestSearchHistory(t *testing.T) {
	k := &lineKeys{hist: newHistory("hostname", "ls /data", "df -h", "hostname -f")}
	step := func(line, want string) string {
		t.Helper()
		got, pos, ok := k.key(line, len(line), keyCtrlR)
		if !ok || got != want || pos != len(want) {
			t.Errorf("Ctrl-R on %q = %q (pos %d, ok %v), want %q", line, got, pos, ok, want)
		}
		return got
	}
	line := step("host", "hostname -f") // the newest holding "host"
	line = step(line, "hostname")       // again: the one before
	step(line, "hostname")              // no older one: stays
	step("df", "df -h")                 // typed something else: a new search
	step("", "hostname -f")             // an empty query finds the newest line
	if _, _, ok := k.key("x", 1, 'y'); ok {
		t.Error("an ordinary key was taken")
	}
}

// TestLineKeysInTheLineEditor types keys into golang.org/x/term's line editor,
// as a terminal would send them, to check that it hands Tab and Ctrl-R over.
func TestLineKeysInTheLineEditor(t *testing.T) {
	for _, tc := range []struct{ keys, want string }{
		{":ex\t\r", ":executors "},
		{":sc\t4\r", ":scale 4"},
		{"host\x12\r", "hostname -f"},
		{"host\x12\x12\r", "hostname"},
	} {
		rw := &keyboard{in: strings.NewReader(tc.keys)}
		tt := term.NewTerminal(rw, "> ")
		h := newHistory("hostname", "hostname -f")
		tt.History = h
		tt.AutoCompleteCallback = (&lineKeys{hist: h}).key
		got, err := tt.ReadLine()
		if err != nil || got != tc.want {
			t.Errorf("keys %q: line %q, %v; want %q", tc.keys, got, err, tc.want)
		}
	}
}

// keyboard is a terminal for term.NewTerminal: keys in, screen discarded.
type keyboard struct {
	in  io.Reader
	out bytes.Buffer
}

func (k *keyboard) Read(p []byte) (int, error)  { return k.in.Read(p) }
func (k *keyboard) Write(p []byte) (int, error) { return k.out.Write(p) }

func TestHistoryKeptBetweenSessions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	first := &history{max: 3}
	if err := first.load(path); err != nil {
		t.Fatalf("load of a missing file: %v", err)
	}
	for _, l := range []string{"hostname", "", "hostname", ":executors"} {
		first.Add(l)
	}
	if first.saveErr != nil {
		t.Fatal(first.saveErr)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("history file: %v, mode %v (want 0600: commands may hold secrets)", err, st)
	}
	second := &history{max: 3}
	if err := second.load(path); err != nil {
		t.Fatal(err)
	}
	if second.Len() != 2 || second.At(0) != ":executors" || second.At(1) != "hostname" {
		t.Errorf("second session's history %q", second.entries)
	}
	// The file does not grow without bound: past max new entries it is
	// rewritten with the last max.
	for _, l := range []string{"a", "b", "c", "d", "e"} {
		second.Add(l)
	}
	data, err := os.ReadFile(path)
	if err != nil || second.saveErr != nil {
		t.Fatal(err, second.saveErr)
	}
	if lines := strings.Split(strings.TrimSpace(string(data)), "\n"); len(lines) > 2*3 || lines[len(lines)-1] != "e" {
		t.Errorf("history file after many lines: %q", lines)
	}
	third := &history{max: 3}
	if err := third.load(path); err != nil || third.Len() != 3 || third.At(0) != "e" || third.At(2) != "c" {
		t.Errorf("third session's history %q, %v", third.entries, err)
	}
}

func TestHistoryFileUnwritable(t *testing.T) {
	h := &history{max: 10}
	dir := t.TempDir()
	if err := h.load(filepath.Join(dir, "no-such-dir", "history")); err != nil {
		t.Fatalf("a missing file is an empty history: %v", err)
	}
	h.Add("hostname")
	if h.saveErr == nil || h.Len() != 1 {
		t.Errorf("saveErr %v, entries %q: want the failure kept and the line still in memory", h.saveErr, h.entries)
	}
}
