//go:build integration

package creds

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// TestHadoopReadsAndRewritesOurFiles has Hadoop's own tooling
// (`hadoop dtutil append -format java|protobuf FILE`, which reads FILE and
// writes it back) read files this package wrote in both formats, then checks
// that what Hadoop wrote parses to the same tokens. dtutil re-keys tokens by
// their service and drops secrets, so services are unique here and secrets
// are not compared. Needs `hadoop` on PATH or under HADOOP_HOME.
func TestHadoopReadsAndRewritesOurFiles(t *testing.T) {
	hadoop, err := exec.LookPath("hadoop")
	if err != nil {
		hadoop = filepath.Join(os.Getenv("HADOOP_HOME"), "bin", "hadoop")
		if _, err := os.Stat(hadoop); os.Getenv("HADOOP_HOME") == "" || err != nil {
			t.Skip("hadoop command not found (set PATH or HADOOP_HOME)")
		}
	}
	c := &Credentials{}
	c.AddToken("first", Token{Identifier: seq(300, 1), Password: seq(20, 2), Kind: "SPINDLE_TEST_A", Service: "127.0.0.1:8020"})
	c.AddToken("ünïcode", Token{Identifier: []byte{}, Password: seq(200, 3), Kind: "SPINDLE_TEST_B", Service: "svc-é"})
	c.AddToken("", Token{Identifier: seq(70000, 4), Password: []byte{}, Kind: "SPINDLE_TEST_C", Service: ""})
	c.AddSecret("dropped.by.dtutil", []byte("x"))

	want := map[string]Token{}
	for _, alias := range c.Aliases() {
		tok, _ := c.Token(alias)
		want[tok.Service] = tok
	}
	dir := t.TempDir()
	for _, in := range []Format{FormatWritable, FormatProtobuf} {
		for _, out := range []struct {
			flag   string
			format Format
		}{{"java", FormatWritable}, {"protobuf", FormatProtobuf}} {
			path := filepath.Join(dir, in.String()+"-to-"+out.flag)
			if err := c.WriteFile(path, in); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			cmd := exec.CommandContext(ctx, hadoop, "dtutil", "append", "-format", out.flag, path)
			output, err := cmd.CombinedOutput()
			cancel()
			if err != nil {
				t.Fatalf("hadoop dtutil append -format %s (input %v): %v\n%s", out.flag, in, err, output)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) < 5 || b[4] != byte(out.format) {
				t.Fatalf("%s: Hadoop wrote version byte %v, want %d", path, b[:min(len(b), 5)], out.format)
			}
			got, err := Parse(b)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			aliases := got.Aliases()
			sort.Strings(aliases)
			if len(aliases) != len(want) {
				t.Fatalf("%s: aliases %q, want %d tokens", path, aliases, len(want))
			}
			for _, alias := range aliases {
				tok, _ := got.Token(alias)
				w, ok := want[alias]
				if !ok || tok.Kind != w.Kind || tok.Service != w.Service ||
					string(tok.Identifier) != string(w.Identifier) || string(tok.Password) != string(w.Password) {
					t.Errorf("%s: token %q = %v, want %v", path, alias, tok, w)
				}
			}
		}
	}
}
