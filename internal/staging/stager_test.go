package staging

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/internal/spec"
)

// writeFile creates dir/name with size bytes and returns its path.
func writeFile(t *testing.T, dir, name string, size int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte(name[:1]), size)
	if archiveExt(name) {
		data = archiveBytes(t, name, data)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// slowFS delays each Create and records how many run at once.
type slowFS struct {
	FS
	delay        time.Duration
	cur, maxSeen atomic.Int32
}

func (s *slowFS) Create(ctx context.Context, r io.Reader, dst string, perm fs.FileMode) (FileStatus, error) {
	n := s.cur.Add(1)
	defer s.cur.Add(-1)
	for {
		m := s.maxSeen.Load()
		if n <= m || s.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(s.delay)
	return s.FS.Create(ctx, r, dst, perm)
}

func TestStageLocalEndToEnd(t *testing.T) {
	lfs, home := newLocal(t)
	src := t.TempDir()
	var items []Item
	for i := 0; i < 8; i++ {
		items = append(items, Item{Source: writeFile(t, src, fmt.Sprintf("f%d.txt", i), 1000*i)})
	}
	items = append(items,
		Item{Source: writeFile(t, src, "sub/lib.zip", 300) + "#deps", Type: spec.TypeArchive},
		Item{Source: writeFile(t, src, "conf.tgz", 30), Type: spec.TypeArchive, LinkName: "__spindle_conf__"},
		Item{Source: "local:/opt/tools/bin/tool"},
	)
	var st Stager
	plan, err := st.Plan(items)
	if err != nil {
		t.Fatal(err)
	}
	slow := &slowFS{FS: lfs, delay: 30 * time.Millisecond}
	dir := StagingDir(home, "application_1_0001")
	var mu sync.Mutex
	var done []Report
	st.Progress = func(e Event) {
		if e.Kind == EventDone && e.Report != nil {
			mu.Lock()
			done = append(done, *e.Report)
			mu.Unlock()
		}
	}
	staged, err := st.Stage(context.Background(), slow, dir, plan)
	if err != nil {
		t.Fatal(err)
	}
	if m := slow.maxSeen.Load(); m != 4 {
		t.Errorf("%d uploads ran at once, want 4 (the default)", m)
	}
	if len(staged.Resources) != 10 || len(staged.Reports) != 10 || len(done) != 10 {
		t.Fatalf("%d resources, %d reports, %d done events; want 10", len(staged.Resources), len(staged.Reports), len(done))
	}
	if want := []string{"/opt/tools/bin/tool"}; len(staged.NodeLocal) != 1 || staged.NodeLocal[0] != want[0] {
		t.Errorf("NodeLocal = %v, want %v", staged.NodeLocal, want)
	}
	for _, d := range []string{dir} {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("staging dir %s: %v, %v; want mode 0700", d, fi.Mode(), err)
		}
	}
	wantNames := []string{"f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt", "f5.txt", "f6.txt", "f7.txt", "deps", "__spindle_conf__"}
	for i, r := range staged.Resources {
		if r.Name != wantNames[i] {
			t.Errorf("resource %d is %q, want %q (plan order)", i, r.Name, wantNames[i])
		}
		// Staged under the file's own name (an archive keeps its extension,
		// from which YARN decides how to extract it); the link name is r.Name.
		stagedAs := []string{"f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt", "f5.txt", "f6.txt", "f7.txt", "lib.zip", "conf.tgz"}[i]
		p := filepath.Join(dir, stagedAs)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := spec.Resource{Name: r.Name, URL: "file://" + p, Size: fi.Size(), Timestamp: fi.ModTime().UnixMilli(),
			Type: spec.TypeFile, Visibility: spec.VisibilityApplication}
		if i >= 8 {
			want.Type = spec.TypeArchive
		}
		if r != want {
			t.Errorf("resource\n got %+v\nwant %+v", r, want)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644", p, fi.Mode())
		}
		if err := r.Validate(); err != nil {
			t.Error(err)
		}
		rep := staged.Reports[i]
		if rep.Outcome != Uploaded || rep.Bytes != fi.Size() || rep.URL != r.URL || rep.Name != r.Name {
			t.Errorf("report %+v", rep)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	src := t.TempDir()
	a1 := writeFile(t, src, "a/data.csv", 10)
	a2 := writeFile(t, src, "b/data.csv", 10)
	zipFile := writeFile(t, src, "x.zip", 10)
	rar := writeFile(t, src, "x.rar", 10)
	tests := []struct {
		name  string
		items []Item
		want  []string
	}{
		{"collision", []Item{{Source: a1}, {Source: a2}}, []string{`"data.csv"`, a1, a2, "#alias"}},
		{"alias collision", []Item{{Source: a1 + "#x"}, {Source: zipFile + "#x"}}, []string{`"x"`, a1 + "#x", zipFile + "#x"}},
		{"directory", []Item{{Source: filepath.Join(src, "a")}}, []string{"is a directory", "zip", "--archives"}},
		{"archive extension", []Item{{Source: rar, Type: spec.TypeArchive}}, []string{".zip", ".tar.gz", ".tgz", ".tar", "--files"}},
		{"missing", []Item{{Source: filepath.Join(src, "nope")}}, []string{"does not exist"}},
		{"slash in alias", []Item{{Source: a1, LinkName: "a/b"}}, []string{`"/"`}},
		{"dot alias", []Item{{Source: a1 + "#."}}, []string{`"."`}},
		{"dotdot alias", []Item{{Source: "hdfs://ns/x#.."}}, []string{`".."`}},
		{"unknown type", []Item{{Source: a1, Type: "pattern"}}, []string{"pattern"}},
		{"local archive", []Item{{Source: "local:/opt/x.zip", Type: spec.TypeArchive}}, []string{"local:"}},
		{"no path", []Item{{Source: "hdfs://ns"}}, []string{"absolute"}},
		{"empty", []Item{{Source: " "}}, []string{"empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Stager
			_, err := s.Plan(tt.items)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestPlanAccepts(t *testing.T) {
	src := t.TempDir()
	var items []Item
	for _, n := range []string{"a.zip", "b.tar.gz", "c.TGZ", "d.tar"} {
		items = append(items, Item{Source: writeFile(t, src, n, 1), Type: spec.TypeArchive})
	}
	items = append(items,
		Item{Source: "file://" + writeFile(t, src, "e.txt", 1) + "#renamed"},
		Item{Source: "hdfs://ns/data/f.txt"},
		Item{Source: "local:/opt/g"},
		Item{Source: "local:///opt/h"},
	)
	var s Stager
	plan, err := s.Plan(items)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(plan.Items))
	for i, it := range plan.Items {
		got[i] = fmt.Sprintf("%s:%s:%s", it.Location, it.Name, it.Path)
	}
	want := []string{
		"local:a.zip:" + filepath.Join(src, "a.zip"), "local:b.tar.gz:" + filepath.Join(src, "b.tar.gz"),
		"local:c.TGZ:" + filepath.Join(src, "c.TGZ"), "local:d.tar:" + filepath.Join(src, "d.tar"),
		"local:renamed:" + filepath.Join(src, "e.txt"), "cluster:f.txt:/data/f.txt",
		"node-local:g:/opt/g", "node-local:h:/opt/h",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPlanRelativePath(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "rel.txt", 3)
	t.Chdir(dir)
	var s Stager
	plan, err := s.Plan([]Item{{Source: "rel.txt#r"}})
	if err != nil {
		t.Fatal(err)
	}
	if it := plan.Items[0]; it.Path != filepath.Join(dir, "rel.txt") || it.Name != "r" || it.Size != 3 {
		t.Errorf("planned %+v", it)
	}
}

func TestStageOtherFilesystem(t *testing.T) {
	lfs, home := newLocal(t)
	var s Stager
	plan, err := s.Plan([]Item{{Source: "hdfs://nn:8020/data/x"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := StagingDir(home, "app")
	_, err = s.Stage(context.Background(), lfs, dir, plan)
	if err == nil || !strings.Contains(err.Error(), "fs.defaultFS") || !strings.Contains(err.Error(), "hdfs://nn:8020") {
		t.Errorf("Stage: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("staging dir created before the plan was checked: %v", err)
	}
}

// TestStageLocalInPlace: with fs.defaultFS file:///, a file:// URI is
// already on the filesystem and used in place with its own timestamp.
func TestStageLocalInPlace(t *testing.T) {
	lfs, home := newLocal(t)
	src := writeFile(t, t.TempDir(), "big.dat", 5000)
	mt := time.UnixMilli(1_700_000_000_999).Add(123 * time.Microsecond)
	if err := os.Chtimes(src, mt, mt); err != nil {
		t.Fatal(err)
	}
	var s Stager
	plan, err := s.Plan([]Item{{Source: "file://" + src + "#data"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := StagingDir(home, "app")
	staged, err := s.Stage(context.Background(), lfs, dir, plan)
	if err != nil {
		t.Fatal(err)
	}
	want := spec.Resource{Name: "data", URL: "file://" + src, Size: 5000, Timestamp: 1_700_000_000_999, Type: spec.TypeFile, Visibility: spec.VisibilityApplication}
	if staged.Resources[0] != want {
		t.Errorf("resource %+v, want %+v", staged.Resources[0], want)
	}
	if r := staged.Reports[0]; r.Outcome != OnCluster || r.Bytes != 0 {
		t.Errorf("report %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("in-place file was copied: %v", err)
	}
}

func TestStageHDFS(t *testing.T) {
	ns := newFakeNS(t)
	h := newFakeHDFS(t, ns, "mycluster", options{})
	ctx := context.Background()
	// A file already on the cluster.
	if err := h.MkdirAll(ctx, "/data", 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Create(ctx, strings.NewReader("zipdata"), "/data/libs.zip", 0o644); err != nil {
		t.Fatal(err)
	}
	onCluster := ns.entry("/data/libs.zip").mtime

	src := t.TempDir()
	items := []Item{
		{Source: "hdfs://mycluster/data/libs.zip", Type: spec.TypeArchive},
		{Source: "hdfs:///data/libs.zip#again", Type: spec.TypeArchive},
	}
	for i := 0; i < 6; i++ {
		items = append(items, Item{Source: writeFile(t, src, fmt.Sprintf("f%d", i), 100000*i+1)})
	}
	var s Stager
	plan, err := s.Plan(items)
	if err != nil {
		t.Fatal(err)
	}
	dir := StagingDir(h.Home(ctx), "application_1_0002")
	staged, err := s.Stage(ctx, h, dir, plan)
	if err != nil {
		t.Fatal(err)
	}
	if e := ns.entry(dir); e == nil || !e.dir || e.perm != 0o700 {
		t.Errorf("staging dir entry %+v, want a 0700 directory", e)
	}
	for i, r := range staged.Resources {
		if i < 2 {
			want := spec.Resource{Name: []string{"libs.zip", "again"}[i], URL: "hdfs://mycluster/data/libs.zip", Size: 7,
				Timestamp: onCluster, Type: spec.TypeArchive, Visibility: spec.VisibilityApplication}
			if r != want || staged.Reports[i].Outcome != OnCluster {
				t.Errorf("resource %+v (%v), want %+v", r, staged.Reports[i].Outcome, want)
			}
			continue
		}
		p := path.Join("/user/alice/.spindle/staging/application_1_0002", r.Name)
		e := ns.entry(p)
		if e == nil {
			t.Fatalf("%s not uploaded", p)
		}
		want := spec.Resource{Name: r.Name, URL: "hdfs://mycluster" + p, Size: int64(len(e.data)),
			Timestamp: e.mtime, Type: spec.TypeFile, Visibility: spec.VisibilityApplication}
		if r != want || !e.complete || e.perm != 0o644 {
			t.Errorf("resource %+v, want %+v (complete %v, perm %o)", r, want, e.complete, e.perm)
		}
		parts, err := spec.SplitURL(r.URL)
		if err != nil || parts.Port != -1 || parts.Host != "mycluster" {
			t.Errorf("YARN URL of %s: %+v, %v", r.URL, parts, err)
		}
	}
}

func TestStageCancel(t *testing.T) {
	lfs, home := newLocal(t)
	src := writeFile(t, t.TempDir(), "big", 40*copyChunk)
	var s Stager
	plan, err := s.Plan([]Item{{Source: src}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var maxBytes int64
	s.Progress = func(e Event) {
		if e.Kind == EventBytes {
			maxBytes = max(maxBytes, e.Bytes)
			cancel()
		}
	}
	dir := StagingDir(home, "app")
	_, err = s.Stage(ctx, lfs, dir, plan)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Stage: %v, want context.Canceled", err)
	}
	if maxBytes >= 40*copyChunk {
		t.Errorf("the whole file was read (%d bytes) despite the cancellation", maxBytes)
	}
	if _, err := os.Stat(filepath.Join(dir, "big")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("partial upload left behind: %v", err)
	}
}

func TestStageCancelHDFS(t *testing.T) {
	ns := newFakeNS(t)
	h := newFakeHDFS(t, ns, "ns", options{})
	src := writeFile(t, t.TempDir(), "big", 40*copyChunk)
	var s Stager
	plan, err := s.Plan([]Item{{Source: src}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Progress = func(e Event) {
		if e.Kind == EventBytes && e.Bytes >= 3*copyChunk {
			cancel()
		}
	}
	dir := "/user/alice/.spindle/staging/app"
	_, err = s.Stage(ctx, h, dir, plan)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Stage: %v, want context.Canceled", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for ns.entry(dir+"/big") != nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if e := ns.entry(dir + "/big"); e != nil {
		t.Errorf("partial upload left behind (%d bytes, complete %v)", len(e.data), e.complete)
	}
	for _, op := range ns.ops(dir + "/big") {
		if op == "close" {
			t.Error("a canceled upload was closed (which would complete a truncated file)")
		}
	}
}

func TestStageFailureStopsOthers(t *testing.T) {
	lfs, home := newLocal(t)
	src := t.TempDir()
	var items []Item
	for i := 0; i < 6; i++ {
		items = append(items, Item{Source: writeFile(t, src, fmt.Sprintf("f%d", i), 10)})
	}
	var s Stager
	plan, err := s.Plan(items)
	if err != nil {
		t.Fatal(err)
	}
	dir := StagingDir(home, "app")
	// A file that already exists in the staging dir makes its upload fail.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "f0"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = s.Stage(context.Background(), lfs, dir, plan)
	if err == nil || !strings.Contains(err.Error(), "f0") || !errors.Is(err, fs.ErrExist) {
		t.Errorf("Stage: %v", err)
	}
}

func TestCleanup(t *testing.T) {
	lfs, home := newLocal(t)
	ctx := context.Background()
	dir := StagingDir(home, "app")
	writeFile(t, dir, "x/y", 3)
	for i := 0; i < 2; i++ {
		if err := Cleanup(ctx, lfs, dir); err != nil {
			t.Fatalf("Cleanup #%d: %v", i+1, err)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("staging dir still there: %v", err)
	}
	for _, bad := range []string{"", "/", "rel/dir", home, home + "/"} {
		if err := Cleanup(ctx, lfs, bad); err == nil {
			t.Errorf("Cleanup(%q) did not refuse", bad)
		}
	}
	if _, err := os.Stat(home); err != nil {
		t.Errorf("home removed: %v", err)
	}
	// HDFS too.
	ns := newFakeNS(t)
	h := newFakeHDFS(t, ns, "ns", options{})
	if err := h.MkdirAll(ctx, "/user/alice/.spindle/staging/app/sub", 0o700); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := Cleanup(ctx, h, "/user/alice/.spindle/staging/app"); err != nil {
			t.Fatal(err)
		}
	}
	if ns.entry("/user/alice/.spindle/staging/app/sub") != nil {
		t.Error("HDFS staging dir not removed")
	}
}
