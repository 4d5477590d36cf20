package staging

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/spindle-yarn/spindle/internal/spec"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNameNodeAddrs(t *testing.T) {
	ha := func(ns string) []string {
		if ns == "mycluster" {
			return []string{"nn1.example.com:8020", "nn2.example.com", " "}
		}
		return nil
	}
	tests := []struct {
		uri  string
		opts options
		want []string
	}{
		{"hdfs://nn:8020/", options{}, []string{"nn:8020"}},
		{"hdfs://nn:9000", options{NameNodes: ha}, []string{"nn:9000"}},
		{"hdfs://nn/", options{}, []string{"nn:8020"}},
		{"hdfs://nn/", options{NameNodes: ha}, []string{"nn:8020"}},
		{"hdfs://mycluster", options{NameNodes: ha}, []string{"nn1.example.com:8020", "nn2.example.com:8020"}},
		{"hdfs://mycluster", options{}, []string{"mycluster:8020"}},
		{"hdfs://[::1]:9000/", options{}, []string{"[::1]:9000"}},
		{"hdfs://mycluster", options{Addresses: []string{"a:1", "b:2"}, NameNodes: ha}, []string{"a:1", "b:2"}},
	}
	for _, tt := range tests {
		got, err := nameNodeAddrs(mustURL(t, tt.uri), tt.opts)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("nameNodeAddrs(%s) = %v, %v; want %v", tt.uri, got, err, tt.want)
		}
	}
	if _, err := nameNodeAddrs(mustURL(t, "hdfs:///x"), options{}); err == nil {
		t.Error("hdfs:///x: no error for a URI without host")
	}
}

func TestResolveUser(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "HADOOP_USER_NAME" {
				return v
			}
			return ""
		}
	}
	osUser := func() (string, error) { return "osuser", nil }
	for _, tt := range []struct {
		opts options
		want string
	}{
		{options{User: "explicit", Getenv: env("envuser"), CurrentUser: osUser}, "explicit"},
		{options{Getenv: env("envuser"), CurrentUser: osUser}, "envuser"},
		{options{Getenv: env(""), CurrentUser: osUser}, "osuser"},
	} {
		if got, err := resolveUser(tt.opts); err != nil || got != tt.want {
			t.Errorf("resolveUser = %q, %v; want %q", got, err, tt.want)
		}
	}
	_, err := resolveUser(options{Getenv: env(""), CurrentUser: func() (string, error) { return "", errors.New("no passwd entry") }})
	if err == nil || !strings.Contains(err.Error(), "HADOOP_USER_NAME") {
		t.Errorf("error %v should suggest HADOOP_USER_NAME", err)
	}
}

// TestHDFSURL checks the URIs put into LocalResources and how YARN's URL
// record sees them: a port only when fs.defaultFS has one (trap 9).
func TestHDFSURL(t *testing.T) {
	for _, tt := range []struct {
		authority, p, want string
		host               string
		port               int32
		file               string
	}{
		{"nn:8020", "/p", "hdfs://nn:8020/p", "nn", 8020, "/p"},
		{"ns", "/user/a/x.zip", "hdfs://ns/user/a/x.zip", "ns", -1, "/user/a/x.zip"},
		{"ns", "/a b/c#d", "hdfs://ns/a%20b/c%23d", "ns", -1, "/a b/c#d"},
	} {
		h := newFakeHDFS(t, newFakeNS(t), tt.authority, options{})
		got := h.URL(tt.p)
		if got != tt.want {
			t.Errorf("URL(%q) on %s = %q, want %q", tt.p, tt.authority, got, tt.want)
		}
		parts, err := spec.SplitURL(got)
		if err != nil {
			t.Fatal(err)
		}
		want := spec.URLParts{Scheme: "hdfs", Host: tt.host, Port: tt.port, File: tt.file}
		if parts != want {
			t.Errorf("SplitURL(%q) = %+v, want %+v", got, parts, want)
		}
		if r := h.Root().String(); r != "hdfs://"+tt.authority+"/" {
			t.Errorf("Root = %q", r)
		}
	}
}

func TestHDFSHome(t *testing.T) {
	h := newFakeHDFS(t, newFakeNS(t), "ns", options{})
	if got := h.Home(context.Background()); got != "/user/alice" {
		t.Errorf("Home = %q, want /user/alice", got)
	}
	h = newFakeHDFS(t, newFakeNS(t), "ns", options{Home: "/home/x"})
	if got := h.Home(context.Background()); got != "/home/x" {
		t.Errorf("Home = %q, want /home/x", got)
	}
}

// TestHDFSCreateOrder checks Create's sequence: the file is closed
// (completing it) before its permissions are set and its status read, and
// the returned status is the NameNode's after completion.
func TestHDFSCreateOrder(t *testing.T) {
	ns := newFakeNS(t)
	ns.replicatingLeft = 2
	h := newFakeHDFS(t, ns, "ns", options{})
	ctx := context.Background()
	if err := h.MkdirAll(ctx, "/s", 0o700); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("x"), 3*copyChunk+5)
	st, err := h.Create(ctx, bytes.NewReader(data), "/s/f", 0o644)
	if err != nil {
		t.Fatal(err)
	}
	ops := ns.ops("/s/f")
	want := []string{"create(0,0,644)", "write", "write", "write", "write", "close", "close", "close", "chmod(644)", "stat"}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("operations on /s/f:\n got %v\nwant %v", ops, want)
	}
	e := ns.entry("/s/f")
	if !e.complete || st.ModTime != e.mtime || st.Size != int64(len(data)) || st.Mode.Perm() != 0o644 || st.Path != "/s/f" {
		t.Errorf("status %+v, entry complete=%v mtime=%d", st, e.complete, e.mtime)
	}
	// Creating an existing file fails.
	if _, err := h.Create(ctx, strings.NewReader("y"), "/s/f", 0o644); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second Create: %v, want ErrExist", err)
	}
}

func TestHDFSCreateReplication(t *testing.T) {
	ns := newFakeNS(t)
	h := newFakeHDFS(t, ns, "ns", options{Replication: 2})
	ctx := context.Background()
	if err := h.MkdirAll(ctx, "/s", 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Create(ctx, strings.NewReader("abc"), "/s/f", 0o600); err != nil {
		t.Fatal(err)
	}
	if ops := ns.ops("/s/f"); len(ops) == 0 || ops[0] != "create(2,134217728,600)" {
		t.Errorf("operations %v: want CreateFile with replication 2 and the server's block size", ops)
	}
}

func TestHDFSCreateStillReplicating(t *testing.T) {
	ns := newFakeNS(t)
	ns.replicatingLeft = 1000
	h := newFakeHDFS(t, ns, "ns", options{})
	ctx := context.Background()
	if err := h.MkdirAll(ctx, "/s", 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := h.Create(ctx, strings.NewReader("abc"), "/s/f", 0o644)
	if err == nil || !hdfsIsReplicating(err) {
		t.Fatalf("Create: %v, want a replication error", err)
	}
	if ns.entry("/s/f") != nil {
		t.Error("the incomplete file was not removed")
	}
	closes := 0
	for _, op := range ns.ops("/s/f") {
		if op == "close" {
			closes++
		}
	}
	if closes != closeRetries {
		t.Errorf("%d Close calls, want %d", closes, closeRetries)
	}
}

func hdfsIsReplicating(err error) bool {
	return errors.Is(err, hdfs.ErrReplicating)
}

func TestHDFSStatMissingAndRename(t *testing.T) {
	ns := newFakeNS(t)
	h := newFakeHDFS(t, ns, "ns", options{})
	ctx := context.Background()
	if _, err := h.Stat(ctx, "/nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat missing: %v", err)
	}
	if err := h.MkdirAll(ctx, "/d", 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/d/a", "/d/b"} {
		if _, err := h.Create(ctx, strings.NewReader(p), p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Rename(ctx, "/d/a", "/d/b"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Rename onto an existing file: %v, want ErrExist", err)
	}
	if err := h.Rename(ctx, "/d/a", "/d/c"); err != nil {
		t.Fatal(err)
	}
	if got := ns.paths(); !reflect.DeepEqual(got, []string{"/", "/d", "/d/b", "/d/c"}) {
		t.Errorf("paths %v", got)
	}
	if err := h.RemoveAll(ctx, "/d"); err != nil {
		t.Fatal(err)
	}
	if err := h.RemoveAll(ctx, "/d"); err != nil {
		t.Errorf("RemoveAll of a missing path: %v", err)
	}
	if _, err := h.Stat(ctx, "relative"); err == nil {
		t.Error("relative path accepted")
	}
}

// TestHDFSContextBoundsCalls: colinmarc/hdfs calls take no context; a call
// that does not return must not hold up the caller past its context or
// OpTimeout, and its client must not be reused.
func TestHDFSContextBoundsCalls(t *testing.T) {
	ns := newFakeNS(t)
	h := newFakeHDFS(t, ns, "ns", options{OpTimeout: 200 * time.Millisecond})
	block := make(chan struct{})
	ns.mu.Lock()
	ns.block = block
	ns.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.Stat(ctx, "/x")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 150*time.Millisecond {
		t.Errorf("Stat with a 20ms context: %v after %v", err, time.Since(start))
	}
	start = time.Now()
	_, err = h.Stat(context.Background(), "/x")
	if err == nil || !strings.Contains(err.Error(), "no response") || time.Since(start) > time.Second {
		t.Errorf("Stat with OpTimeout 200ms: %v after %v", err, time.Since(start))
	}
	closesBefore := ns.closes.Load()
	ns.mu.Lock()
	ns.block = nil
	ns.mu.Unlock()
	close(block)
	deadline := time.Now().Add(2 * time.Second)
	for ns.closes.Load() < closesBefore+2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := ns.closes.Load() - closesBefore; got != 2 {
		t.Errorf("%d abandoned clients closed, want 2", got)
	}
	if _, err := h.Stat(context.Background(), "/"); err != nil {
		t.Errorf("Stat after recovery: %v", err)
	}
}

func TestHDFSPoolLimitsClients(t *testing.T) {
	ns := newFakeNS(t)
	h := newFakeHDFS(t, ns, "ns", options{MaxConns: 2})
	ctx := context.Background()
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		go func() {
			_, err := h.Stat(ctx, "/")
			errs <- err
		}()
	}
	for i := 0; i < 20; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if d := ns.dials.Load(); d > 2 {
		t.Errorf("%d clients dialed, want at most 2", d)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		defaultFS string
		opts      options
		want      []string
	}{
		{"s3a://bucket/", options{}, []string{"fs.defaultFS", "s3a://bucket/"}},
		{"viewfs://cluster/", options{}, []string{"fs.defaultFS", "viewfs://cluster/"}},
		{"/just/a/path", options{}, []string{"fs.defaultFS", "no scheme"}},
		{"file://otherhost/", options{}, []string{"fs.defaultFS", "otherhost"}},
		{"hdfs://nn:8020", options{Auth: "kerberos", User: "a"}, []string{"Kerberos"}},
		{"hdfs://nn:8020", options{Auth: "token", User: "a"}, []string{"token"}},
	} {
		_, err := open(ctx, mustURL(t, tt.defaultFS), tt.opts)
		if err == nil {
			t.Errorf("open(%s): no error", tt.defaultFS)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("open(%s): error %q does not mention %q", tt.defaultFS, err, w)
			}
		}
	}
	if _, err := open(ctx, nil, options{}); err == nil || !strings.Contains(err.Error(), "fs.defaultFS") {
		t.Errorf("open(nil): %v", err)
	}
}

// TestOpenHDFSUnreachable uses the real client against a closed local port:
// Open fails with the address in the message.
func TestOpenHDFSUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := open(ctx, mustURL(t, "hdfs://127.0.0.1:1/"), options{User: "a", DialTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("Open of an unreachable NameNode: %v", err)
	}
}

func TestSameFS(t *testing.T) {
	for _, tt := range []struct {
		u, root string
		want    bool
	}{
		{"hdfs://ns/x", "hdfs://ns/", true},
		{"hdfs://NS/x", "hdfs://ns/", true},
		{"hdfs:///x", "hdfs://ns/", true},
		{"hdfs://nn:8020/x", "hdfs://nn/", true},
		{"hdfs://nn:9000/x", "hdfs://nn/", false},
		{"hdfs://other/x", "hdfs://ns/", false},
		{"file:///x", "hdfs://ns/", false},
		{"file:///x", "file:///", true},
		{"file://localhost/x", "file:///", true},
		{"s3a://b/x", "hdfs://ns/", false},
	} {
		if got := sameFS(mustURL(t, tt.u), mustURL(t, tt.root)); got != tt.want {
			t.Errorf("sameFS(%s, %s) = %v", tt.u, tt.root, got)
		}
	}
}

// slowReader yields n small chunks, sleeping before each.
type slowReader struct {
	n     int
	sleep time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	r.n--
	time.Sleep(r.sleep)
	p[0] = 'x'
	return 1, nil
}

// TestHDFSSlowUploadIsNotATimeout: OpTimeout bounds stalls, not whole
// uploads, nor waiting for a connection another upload holds.
func TestHDFSSlowUploadIsNotATimeout(t *testing.T) {
	ns := newFakeNS(t)
	h := newFakeHDFS(t, ns, "ns", options{MaxConns: 1, OpTimeout: 60 * time.Millisecond})
	ctx := context.Background()
	if err := h.MkdirAll(ctx, "/s", 0o700); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := h.Create(ctx, &slowReader{n: 15, sleep: 20 * time.Millisecond}, "/s/slow", 0o644)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	if _, err := h.Stat(ctx, "/s"); err != nil {
		t.Errorf("Stat while the only connection uploads: %v", err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("Stat waited only %v; it should have waited for the upload", waited)
	}
	if err := <-errc; err != nil {
		t.Errorf("slow upload: %v", err)
	}
}
