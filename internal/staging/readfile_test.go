package staging

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// testReadFile checks ReadFile on any FS: contents back, the size limit, a missing file.
func testReadFile(t *testing.T, f FS, dir string) {
	t.Helper()
	ctx := context.Background()
	p := dir + "/state.json"
	if _, err := f.Create(ctx, bytes.NewReader([]byte(`{"a":1}`)), p, FilePerm); err != nil {
		t.Fatal(err)
	}
	b, err := f.ReadFile(ctx, p, 100)
	if err != nil || string(b) != `{"a":1}` {
		t.Fatalf("ReadFile = %q, %v; want the written bytes", b, err)
	}
	if _, err := f.ReadFile(ctx, p, 3); err == nil || !strings.Contains(err.Error(), "limit of 3") {
		t.Fatalf("ReadFile over the limit: %v; want an error naming the limit", err)
	}
	if _, err := f.ReadFile(ctx, dir+"/missing", 100); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadFile of a missing file: %v; want fs.ErrNotExist", err)
	}
}

func TestLocalReadFile(t *testing.T) {
	f, home := newLocal(t)
	testReadFile(t, f, filepath.ToSlash(home))
}

func TestHDFSReadFile(t *testing.T) {
	ns := newFakeNS(t)
	h := newFakeHDFS(t, ns, "nn:8020", options{})
	if err := h.MkdirAll(context.Background(), "/user/alice", DirPerm); err != nil {
		t.Fatal(err)
	}
	testReadFile(t, h, "/user/alice")
}
