package staging

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2"
)

// fakeNS is an in-memory NameNode shared by fake clients. It models what
// matters here: modification times are set when a file is completed (by the
// writer's Close), Create needs the parent directory and fails on existing
// files, and Rename replaces an existing destination (like the real client).
type fakeNS struct {
	t *testing.T

	mu      sync.Mutex
	entries map[string]*fakeEntry
	clock   int64 // ms; advances on every mutation
	log     []string

	user             string
	replicatingLeft  int           // Close calls that still report ErrReplicating
	block            chan struct{} // when non-nil, Stat waits for it to close
	defaults         hdfs.ServerDefaults
	dials, closes    atomic.Int32
	concurrentAccess atomic.Int32
}

type fakeEntry struct {
	dir      bool
	data     []byte
	perm     os.FileMode
	mtime    int64
	complete bool
}

func newFakeNS(t *testing.T) *fakeNS {
	return &fakeNS{t: t, user: "alice", clock: 1_700_000_000_123,
		entries:  map[string]*fakeEntry{"/": {dir: true, perm: 0o755}},
		defaults: hdfs.ServerDefaults{BlockSize: 128 << 20, Replication: 3}}
}

func (ns *fakeNS) tick() int64 { ns.clock += 7; return ns.clock }

func (ns *fakeNS) record(format string, args ...any) {
	ns.log = append(ns.log, fmt.Sprintf(format, args...))
}

// ops returns the recorded operations on p, in order.
func (ns *fakeNS) ops(p string) []string {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	var out []string
	for _, l := range ns.log {
		if strings.HasSuffix(l, " "+p) {
			out = append(out, strings.TrimSuffix(l, " "+p))
		}
	}
	return out
}

func (ns *fakeNS) entry(p string) *fakeEntry {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.entries[p]
}

func (ns *fakeNS) dial() (hdfsClient, error) {
	ns.dials.Add(1)
	return &fakeClient{ns: ns}, nil
}

func notExist(op, p string) error { return &os.PathError{Op: op, Path: p, Err: os.ErrNotExist} }

// fakeClient fails the test if two goroutines use it at once.
type fakeClient struct {
	ns     *fakeNS
	busy   atomic.Int32
	closed atomic.Bool
}

func (c *fakeClient) enter() func() {
	if c.busy.Add(1) > 1 {
		c.ns.concurrentAccess.Add(1)
	}
	if c.closed.Load() {
		c.ns.t.Errorf("fake hdfs: use of a closed client")
	}
	return func() { c.busy.Add(-1) }
}

func (c *fakeClient) MkdirAll(d string, perm os.FileMode) error {
	defer c.enter()()
	ns := c.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.record("mkdir %s", d)
	cur := "/"
	for _, part := range strings.Split(strings.Trim(d, "/"), "/") {
		cur = path.Join(cur, part)
		e := ns.entries[cur]
		if e == nil {
			ns.entries[cur] = &fakeEntry{dir: true, perm: perm, mtime: ns.tick(), complete: true}
		} else if !e.dir {
			return &os.PathError{Op: "mkdir", Path: cur, Err: os.ErrExist}
		}
	}
	return nil
}

func (c *fakeClient) create(name string, perm os.FileMode, repl int, bs int64) (hdfsWriter, error) {
	ns := c.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.record("create(%d,%d,%o) %s", repl, bs, perm, name)
	if ns.entries[name] != nil {
		return nil, &os.PathError{Op: "create", Path: name, Err: os.ErrExist}
	}
	if p := ns.entries[path.Dir(name)]; p == nil || !p.dir {
		return nil, notExist("create", path.Dir(name))
	}
	ns.entries[name] = &fakeEntry{perm: perm, mtime: ns.tick()}
	return &fakeWriter{c: c, name: name}, nil
}

func (c *fakeClient) Create(name string) (hdfsWriter, error) {
	defer c.enter()()
	return c.create(name, 0o644, 0, 0)
}

func (c *fakeClient) CreateFile(name string, replication int, blockSize int64, perm os.FileMode) (hdfsWriter, error) {
	defer c.enter()()
	return c.create(name, perm, replication, blockSize)
}

func (c *fakeClient) ServerDefaults() (hdfs.ServerDefaults, error) {
	defer c.enter()()
	return c.ns.defaults, nil
}

func (c *fakeClient) Stat(name string) (os.FileInfo, error) {
	defer c.enter()()
	ns := c.ns
	ns.mu.Lock()
	block := ns.block
	ns.mu.Unlock()
	if block != nil {
		<-block
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.record("stat %s", name)
	e := ns.entries[name]
	if e == nil {
		return nil, notExist("stat", name)
	}
	return fakeInfo{name: path.Base(name), e: *e}, nil
}

func (c *fakeClient) ReadFile(name string) ([]byte, error) {
	defer c.enter()()
	ns := c.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.record("read %s", name)
	e := ns.entries[name]
	if e == nil || e.dir {
		return nil, notExist("read", name)
	}
	return append([]byte(nil), e.data...), nil
}

func (c *fakeClient) Chmod(name string, perm os.FileMode) error {
	defer c.enter()()
	ns := c.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.record("chmod(%o) %s", perm, name)
	e := ns.entries[name]
	if e == nil {
		return notExist("chmod", name)
	}
	e.perm = perm // like HDFS, no change to the modification time
	return nil
}

func (c *fakeClient) Remove(name string) error {
	defer c.enter()()
	ns := c.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.record("remove %s", name)
	if ns.entries[name] == nil {
		return notExist("remove", name)
	}
	delete(ns.entries, name)
	return nil
}

func (c *fakeClient) RemoveAll(name string) error {
	defer c.enter()()
	ns := c.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.record("removeall %s", name)
	for p := range ns.entries {
		if p == name || strings.HasPrefix(p, name+"/") {
			delete(ns.entries, p)
		}
	}
	return nil
}

func (c *fakeClient) Rename(oldpath, newpath string) error {
	defer c.enter()()
	ns := c.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.record("rename %s", oldpath)
	e := ns.entries[oldpath]
	if e == nil {
		return notExist("rename", oldpath)
	}
	delete(ns.entries, oldpath)
	ns.entries[newpath] = e // replaces, like colinmarc's rename2 with overwrite
	return nil
}

func (c *fakeClient) User() string { return c.ns.user }

func (c *fakeClient) Close() error {
	if c.closed.Swap(true) {
		c.ns.t.Errorf("fake hdfs: client closed twice")
	}
	c.ns.closes.Add(1)
	return nil
}

func (ns *fakeNS) paths() []string {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	var out []string
	for p := range ns.entries {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

type fakeWriter struct {
	c        *fakeClient
	name     string
	deadline time.Time
}

func (w *fakeWriter) Write(p []byte) (int, error) {
	defer w.c.enter()()
	ns := w.c.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.record("write %s", w.name)
	if w.deadline.IsZero() {
		ns.t.Errorf("fake hdfs: Write without a deadline")
	}
	e := ns.entries[w.name]
	if e == nil {
		return 0, notExist("write", w.name)
	}
	e.data = append(e.data, p...)
	e.mtime = ns.tick() // changes while the file is being written
	return len(p), nil
}

func (w *fakeWriter) Close() error {
	defer w.c.enter()()
	ns := w.c.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.record("close %s", w.name)
	if ns.replicatingLeft > 0 {
		ns.replicatingLeft--
		return &os.PathError{Op: "create", Path: w.name, Err: hdfs.ErrReplicating}
	}
	e := ns.entries[w.name]
	if e == nil {
		return notExist("close", w.name)
	}
	e.complete = true
	e.mtime = ns.tick() // HDFS sets the final mtime when the file is completed
	return nil
}

func (w *fakeWriter) SetDeadline(t time.Time) error { w.deadline = t; return nil }

type fakeInfo struct {
	name string
	e    fakeEntry
}

func (f fakeInfo) Name() string { return f.name }
func (f fakeInfo) Size() int64  { return int64(len(f.e.data)) }
func (f fakeInfo) Mode() fs.FileMode {
	if f.e.dir {
		return f.e.perm | fs.ModeDir
	}
	return f.e.perm
}
func (f fakeInfo) ModTime() time.Time { return time.Unix(0, f.e.mtime*int64(time.Millisecond)) }
func (f fakeInfo) IsDir() bool        { return f.e.dir }
func (f fakeInfo) Sys() any           { return nil }

// newFakeHDFS returns an hdfsFS for hdfs://<authority> over ns.
func newFakeHDFS(t *testing.T, ns *fakeNS, authority string, opts options) *hdfsFS {
	t.Helper()
	u := &url.URL{Scheme: "hdfs", Host: authority, Path: "/"}
	h, err := newHDFS(context.Background(), u, opts, ns.dial)
	if err != nil {
		t.Fatalf("newHDFS: %v", err)
	}
	h.backoff = time.Millisecond
	t.Cleanup(func() {
		if err := h.Close(); err != nil && !errors.Is(err, errPoolClosed) {
			t.Errorf("close: %v", err)
		}
		if n := ns.concurrentAccess.Load(); n > 0 {
			t.Errorf("fake hdfs: a client was used by two goroutines at once (%d times)", n)
		}
	})
	return h
}
