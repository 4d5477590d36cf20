package am

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// The executor table survives an attempt: kept containers keep their
// executor ids, a live executor YARN did not keep is lost (not failed), a
// kept container the table does not know becomes a new executor.
func TestPoolSnapshotRestoreAdopt(t *testing.T) {
	old := newPool(3, 5, 512)
	for _, c := range []string{"c1", "c2", "c3"} {
		old.Assign(c, "n:1", "n", "")
		old.Running(c)
	}
	snap := old.snapshot()

	p := newPool(3, 5, 512)
	p.restore(snap)
	release := p.adopt([]keptContainer{{id: "c1", node: "n:1"}, {id: "c3", node: "n:1"}, {id: "c9", node: "m:2", host: "m"}})
	if len(release) != 0 {
		t.Fatalf("released %v, want none: one executor was lost, so c9 is wanted", release)
	}
	byID := map[string]string{}
	for _, e := range p.Infos() {
		byID[e.ContainerID] = e.ID + " " + e.State
	}
	want := map[string]string{"c1": "1 running", "c2": "2 killed", "c3": "3 running", "c9": "4 running"}
	for c, w := range want {
		if byID[c] != w {
			t.Errorf("%s: %q, want %q (table %v)", c, byID[c], w, byID)
		}
	}
	if p.failures != snap.Failures || p.Wanted() != 0 {
		t.Errorf("failures %d (saved %d), wanted %d", p.failures, snap.Failures, p.Wanted())
	}
	if got := p.adopt([]keptContainer{{id: "c1"}, {id: "c3"}, {id: "c9"}, {id: "c10"}}); len(got) != 1 || got[0] != "c10" {
		t.Errorf("a surplus kept container: released %v, want [c10]", got)
	}
}

func TestStateStoreReplaceAndRead(t *testing.T) {
	dir := t.TempDir()
	conf := hadoopconf.NewDefault(hadoopconf.Options{})
	conf.Set("fs.defaultFS", "file:///")
	open := func(ctx context.Context, u *url.URL) (staging.FS, error) { return staging.Open(ctx, conf, u, "") }
	ctx := context.Background()
	st, err := openStateStore(ctx, open, "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	if snap, err := st.loadSnapshot(ctx); snap != nil || err != nil {
		t.Fatalf("no snapshot yet: %v, %v", snap, err)
	}
	for _, v := range []string{"one", "two"} {
		b, err := encodeSnapshot(&snapshot{Attempt: v, KV: map[string][]byte{"k": []byte(v)}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.replace(ctx, StateFile, b); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := st.loadSnapshot(ctx)
	if err != nil || snap.Attempt != "two" || string(snap.KV["k"]) != "two" {
		t.Fatalf("loaded %+v, %v; want the second snapshot", snap, err)
	}
	big := &snapshot{KV: map[string][]byte{"big": []byte(strings.Repeat("x", maxPersistedKV+1))}}
	b, err := encodeSnapshot(big)
	if err != nil || len(b) > 1024 || !big.KVOmitted {
		t.Errorf("an oversized store: %d bytes, omitted %v, %v; want it left out", len(b), big.KVOmitted, err)
	}
}
