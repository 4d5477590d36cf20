package staging

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/internal/spec"
)

// newLocal opens the file:/// filesystem with its home in a temp dir.
func newLocal(t *testing.T) (FS, string) {
	t.Helper()
	home := t.TempDir()
	f, err := open(context.Background(), mustURL(t, "file:///"), options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, home
}

func TestLocalURL(t *testing.T) {
	f, home := newLocal(t)
	if got := f.Home(context.Background()); got != home {
		t.Errorf("Home = %q, want %q", got, home)
	}
	if got := f.URL("/a/b c"); got != "file:///a/b%20c" {
		t.Errorf("URL = %q", got)
	}
	parts, err := spec.SplitURL(f.URL("/a/b"))
	if err != nil || parts != (spec.URLParts{Scheme: "file", Port: -1, File: "/a/b"}) {
		t.Errorf("SplitURL = %+v, %v", parts, err)
	}
	if got := f.Root().String(); got != "file:///" {
		t.Errorf("Root = %q", got)
	}
}

func TestLocalHomeDefault(t *testing.T) {
	t.Setenv("HOME", "/some/home")
	f, err := open(context.Background(), mustURL(t, "file:///"), options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Home(context.Background()); got != "/some/home" {
		t.Errorf("Home = %q, want $HOME", got)
	}
}

func TestLocalCreate(t *testing.T) {
	f, home := newLocal(t)
	ctx := context.Background()
	dst := filepath.Join(home, "f")
	data := bytes.Repeat([]byte("abc"), copyChunk)
	st, err := f.Create(ctx, bytes.NewReader(data), dst, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != int64(len(data)) || st.ModTime != fi.ModTime().UnixMilli() || st.Mode != 0o644 || fi.Mode().Perm() != 0o644 {
		t.Errorf("status %+v; os.Stat mode %v mtime %d", st, fi.Mode(), fi.ModTime().UnixMilli())
	}
	if st.ModTime%1000 != 0 {
		t.Errorf("mtime %d is not a whole second", st.ModTime)
	}
	if _, err := f.Create(ctx, strings.NewReader("x"), dst, 0o644); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over an existing file: %v", err)
	}
	if _, err := f.Create(ctx, strings.NewReader("x"), "relative", 0o644); err == nil {
		t.Error("relative path accepted")
	}
	// Stat of a file spindle did not write keeps its sub-second mtime.
	other := filepath.Join(home, "other")
	if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	mt := time.UnixMilli(1_700_000_000_456).Add(789 * time.Microsecond)
	if err := os.Chtimes(other, mt, mt); err != nil {
		t.Fatal(err)
	}
	st, err = f.Stat(ctx, other)
	if err != nil || st.ModTime != 1_700_000_000_456 {
		t.Errorf("Stat = %+v, %v; want mtime 1700000000456 (ms, truncated)", st, err)
	}
	if _, err := f.Stat(ctx, filepath.Join(home, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat missing: %v", err)
	}
}

// failingReader fails after its data.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestLocalCreateFailureRemovesPartial(t *testing.T) {
	f, home := newLocal(t)
	dst := filepath.Join(home, "f")
	_, err := f.Create(context.Background(), &failingReader{n: 1000}, dst, 0o644)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Create: %v", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("partial file left behind: %v", err)
	}
}

func TestLocalRenameNoReplace(t *testing.T) {
	f, home := newLocal(t)
	ctx := context.Background()
	a, b, c := filepath.Join(home, "a"), filepath.Join(home, "b"), filepath.Join(home, "c")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Rename(ctx, a, b); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Rename onto existing: %v", err)
	}
	if got, _ := os.ReadFile(b); string(got) != b {
		t.Errorf("destination was replaced")
	}
	if err := f.Rename(ctx, a, c); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("old name still exists: %v", err)
	}
	if got, _ := os.ReadFile(c); string(got) != a {
		t.Errorf("renamed content %q", got)
	}
	// Directories take the check-and-rename path.
	d := filepath.Join(home, "d")
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := f.Rename(ctx, d, c); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Rename dir onto existing: %v", err)
	}
	if err := f.Rename(ctx, d, filepath.Join(home, "e")); err != nil {
		t.Errorf("Rename dir: %v", err)
	}
}

func TestLocalCanceledContext(t *testing.T) {
	f, home := newLocal(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.MkdirAll(ctx, filepath.Join(home, "x"), 0o700); !errors.Is(err, context.Canceled) {
		t.Errorf("MkdirAll with a canceled context: %v", err)
	}
	if _, err := f.Create(ctx, strings.NewReader("x"), filepath.Join(home, "y"), 0o644); !errors.Is(err, context.Canceled) {
		t.Errorf("Create with a canceled context: %v", err)
	}
}
