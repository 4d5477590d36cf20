package staging

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spindle-yarn/spindle/internal/spec"
)

func sha(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestStageCachedLocal(t *testing.T) {
	lfs, home := newLocal(t)
	ctx := context.Background()
	bin := writeFile(t, t.TempDir(), "spindle-linux-amd64", 3*copyChunk+1)
	root := CacheRoot(home)
	var s Stager

	res, rep, err := s.StageCached(ctx, lfs, bin+"#spindle", root)
	if err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(root, sha(t, bin), "spindle")
	fi, err := os.Stat(final)
	if err != nil {
		t.Fatal(err)
	}
	want := spec.Resource{Name: "spindle", URL: "file://" + final, Size: fi.Size(), Timestamp: fi.ModTime().UnixMilli(),
		Type: spec.TypeFile, Visibility: spec.VisibilityApplication}
	if res != want {
		t.Errorf("resource %+v, want %+v", res, want)
	}
	if rep.Outcome != Uploaded || rep.Bytes != fi.Size() || fi.Mode().Perm() != 0o644 {
		t.Errorf("first call: report %+v, mode %v", rep, fi.Mode())
	}
	if di, err := os.Stat(filepath.Dir(final)); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode %v, %v", di.Mode(), err)
	}

	var uploaded int64
	s.Progress = func(e Event) {
		if e.Kind == EventBytes {
			uploaded = e.Bytes
		}
	}
	res2, rep2, err := s.StageCached(ctx, lfs, bin+"#spindle", root)
	if err != nil {
		t.Fatal(err)
	}
	if res2 != res || rep2.Outcome != Cached || rep2.Bytes != 0 || uploaded != 0 {
		t.Errorf("second call: %+v %+v, %d bytes uploaded; want the same resource from the cache and no upload", res2, rep2, uploaded)
	}

	// Without an alias the base name is used.
	res3, _, err := s.StageCached(ctx, lfs, bin, root)
	if err != nil {
		t.Fatal(err)
	}
	if res3.Name != "spindle-linux-amd64" || !strings.HasSuffix(res3.URL, "/"+sha(t, bin)+"/spindle-linux-amd64") {
		t.Errorf("resource %+v", res3)
	}
}

func TestStageCachedReplacesDamagedEntry(t *testing.T) {
	lfs, home := newLocal(t)
	bin := writeFile(t, t.TempDir(), "spindle", 1000)
	root := CacheRoot(home)
	final := filepath.Join(root, sha(t, bin), "spindle")
	writeFile(t, filepath.Dir(final), "spindle", 10)
	var s Stager
	res, rep, err := s.StageCached(context.Background(), lfs, bin, root)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != 1000 || rep.Outcome != Uploaded {
		t.Errorf("resource %+v, report %+v", res, rep)
	}
}

// TestStageCachedConcurrent: submitters racing to cache the same binary all
// get the one entry that ends up in place, with its real timestamp, and no
// temporary files remain.
func TestStageCachedConcurrent(t *testing.T) {
	lfs, home := newLocal(t)
	bin := writeFile(t, t.TempDir(), "spindle", 8*copyChunk)
	root := CacheRoot(home)
	const n = 8
	var (
		wg   sync.WaitGroup
		res  [n]spec.Resource
		errs [n]error
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var s Stager // separate submitters
			res[i], _, errs[i] = s.StageCached(context.Background(), lfs, bin, root)
		}(i)
	}
	wg.Wait()
	final := filepath.Join(root, sha(t, bin), "spindle")
	fi, err := os.Stat(final)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Errorf("submitter %d: %v", i, errs[i])
			continue
		}
		if res[i].Timestamp != fi.ModTime().UnixMilli() || res[i].Size != fi.Size() || res[i].URL != "file://"+final {
			t.Errorf("submitter %d got %+v; the entry has mtime %d", i, res[i], fi.ModTime().UnixMilli())
		}
	}
	entries, err := os.ReadDir(filepath.Dir(final))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("cache dir holds %v, want only spindle", names)
	}
	want, _ := os.ReadFile(bin)
	if got, _ := os.ReadFile(final); string(got) != string(want) {
		t.Error("cache entry content differs")
	}
}

func TestStageCachedHDFS(t *testing.T) {
	ns := newFakeNS(t)
	h := newFakeHDFS(t, ns, "ns", options{})
	ctx := context.Background()
	bin := writeFile(t, t.TempDir(), "spindle", 2*copyChunk)
	root := CacheRoot(h.Home(ctx))
	var s Stager
	res, rep, err := s.StageCached(ctx, h, bin, root)
	if err != nil {
		t.Fatal(err)
	}
	final := path.Join("/user/alice/.spindle/cache", sha(t, bin), "spindle")
	e := ns.entry(final)
	if e == nil || !e.complete || res.Timestamp != e.mtime || res.URL != "hdfs://ns"+final || rep.Outcome != Uploaded {
		t.Fatalf("resource %+v report %+v entry %+v", res, rep, e)
	}
	dials := ns.dials.Load()
	res2, rep2, err := s.StageCached(ctx, h, bin, root)
	if err != nil {
		t.Fatal(err)
	}
	if res2 != res || rep2.Outcome != Cached || rep2.Bytes != 0 {
		t.Errorf("second call %+v %+v", res2, rep2)
	}
	for _, op := range ns.ops(final) {
		if strings.HasPrefix(op, "create") {
			t.Errorf("the final name was written directly (%s); uploads must go through a temporary name", op)
		}
	}
	if ns.dials.Load() != dials {
		t.Errorf("a cache hit dialed new clients")
	}
	for _, p := range ns.paths() {
		if strings.Contains(p, ".tmp-") {
			t.Errorf("temporary file %s left behind", p)
		}
	}
}
