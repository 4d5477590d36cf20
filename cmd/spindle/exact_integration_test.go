//go:build integration

package main

// The exactness property test: randomly generated arguments, environment
// values and file names from a hostile alphabet go through the real launch
// path (YARN's launch_container.sh) in cluster and client mode, and the probe
// program, as the driver and as an executor, reports what it received.
//
//	go test -tags integration -run E2EExact -v ./cmd/spindle/
//
// SPINDLE_EXACT_SEEDS (a comma-separated list) adds seeds to the regression
// seeds below; SPINDLE_EXACT_RANDOM (default 1) is how many fresh seeds each
// mode tries. A failing seed is printed: add it to exactSeeds.

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// exactSeeds are the seeds kept as regression cases (1796144171913584426: a
// file name ending in a space, which staging trimmed).
var exactSeeds = []uint64{1, 10, 1796144171913584426}

// hostile are the pieces generated strings are made of: everything bash or
// YARN's launch script would treat specially, and unicode.
var hostile = []string{" ", "'", "\"", "$", "$(touch $HOME/.spindle-exact-pwned)", "`id`", "\\", ";", "&", "\n", "*",
	"é", "日本", "${HOME}", "$1", "%s", "\t", "a", "Z", "0", "-", "--x", "=", ",", "#", "!", "~", "|", ">", "<", "(", ")", "{}"}

// linkHostile are the pieces of link names: what YARN can represent (no '$',
// '`', '"', '\\', newline or '/'), including what list splitting must keep.
var linkHostile = []string{" ", "'", ";", "&", "*", "é", "日本", ",", "!", "~", "|", ">", "<", "(", ")", "{}", "a", "Z", "0", "-", "="}

// exactCase is one generated submission.
type exactCase struct {
	Args, ExecArgs []string
	Env            map[string]string
	Files          map[string]string // link name -> content
	Archive        string            // link name of the tar.gz archive
	ArchiveFiles   []string          // the names inside it
}

func genString(r *rand.Rand, parts []string, max int) string {
	var b strings.Builder
	for n := r.IntN(max + 1); n > 0; n-- {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

func genCase(seed uint64) exactCase {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	c := exactCase{Env: map[string]string{}, Files: map[string]string{}}
	// Seed 1 holds every hostile piece once, as separate arguments.
	if seed == 1 {
		c.Args = append([]string{""}, hostile...)
	}
	for n := 1 + r.IntN(5); n > 0; n-- {
		c.Args = append(c.Args, genString(r, hostile, 8))
		c.ExecArgs = append(c.ExecArgs, genString(r, hostile, 8))
	}
	for i := r.IntN(3) + 1; i > 0; i-- {
		c.Env["PROBE_E"+strconv.Itoa(i)] = genString(r, hostile, 10)
	}
	for i := r.IntN(3) + 1; i > 0; i-- {
		c.Files["p"+strconv.Itoa(i)+genString(r, linkHostile, 6)] = genString(r, hostile, 20)
	}
	c.Archive = "p" + genString(r, linkHostile, 5) + "arch"
	c.ArchiveFiles = []string{"f " + genString(r, linkHostile, 4), "g$`\\\"x"}
	return c
}

// escapeListItem quotes an item of a list for client.SplitList: in double
// quotes, with its backslashes and double quotes escaped (commas and leading
// or trailing spaces are then kept).
func escapeListItem(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// shellQuote single-quotes a word for client.SplitCommand.
func shellQuote(w string) string { return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'" }

// writeCaseFiles creates the case's files (each under its link name) and archive in dir
// and returns the --files and --archives values.
func writeCaseFiles(t *testing.T, dir string, c exactCase) (files, archives string) {
	t.Helper()
	var items []string
	for name, content := range c.Files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		items = append(items, escapeListItem(p))
	}
	arch := filepath.Join(dir, "a b;c.tar.gz")
	f, err := os.Create(arch)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, n := range c.ArchiveFiles {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: 1, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte("x"))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	f.Close()
	return strings.Join(items, ","), escapeListItem(arch + "#" + c.Archive)
}

// probeReport is what testdata/e2e/probe prints.
type probeReport struct {
	Role     string            `json:"role"`
	Executor string            `json:"executor"`
	Args     []string          `json:"args"`
	Env      map[string]string `json:"env"`
	Links    map[string]string `json:"links"`
}

func parseProbe(t *testing.T, out string) []probeReport {
	t.Helper()
	var rs []probeReport
	for _, line := range strings.Split(out, "\n") {
		if j, ok := strings.CutPrefix(line, "PROBE "); ok {
			var r probeReport
			if err := json.Unmarshal([]byte(j), &r); err != nil {
				t.Fatalf("bad probe line %q: %v", line, err)
			}
			rs = append(rs, r)
		}
	}
	return rs
}

func TestE2EExactness(t *testing.T) {
	needCluster(t)
	seeds := append([]uint64(nil), exactSeeds...)
	if s := os.Getenv("SPINDLE_EXACT_SEEDS"); s != "" {
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				t.Fatalf("SPINDLE_EXACT_SEEDS: %q is not a number", f)
			}
			seeds = append(seeds, n)
		}
	}
	fresh := 1
	if s := os.Getenv("SPINDLE_EXACT_RANDOM"); s != "" {
		fresh, _ = strconv.Atoi(s)
	}
	for i := 0; i < fresh; i++ {
		seeds = append(seeds, uint64(time.Now().UnixNano())+uint64(i))
	}
	for _, mode := range []string{"cluster", "client"} {
		for i, seed := range seeds {
			t.Run(fmt.Sprintf("%s/seed=%d", mode, seed), func(t *testing.T) {
				runExactCase(t, mode, seed, i%2 == 1)
			})
		}
	}
}

// runExactCase submits the case of seed in mode and checks what the driver and
// the executor received; withExecCommand gives the executors their own
// arguments through --executor-command.
func runExactCase(t *testing.T, mode string, seed uint64, withExecCommand bool) {
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	c := genCase(seed)
	files, archives := writeCaseFiles(t, t.TempDir(), c)
	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", mode, "--num-executors", "1",
		"--files", files, "--archives", archives, "--env", "PROBE_EXECUTORS=1"}, e2eSizes...)
	for k, v := range c.Env {
		args = append(args, "--env", k+"="+v)
	}
	execArgs := c.Args
	if withExecCommand {
		words := []string{"./probe"}
		for _, a := range c.ExecArgs {
			words = append(words, shellQuote(a))
		}
		args = append(args, "--executor-command", strings.Join(words, " "))
		execArgs = c.ExecArgs
	}
	args = append(append(args, e2e.probe), c.Args...)
	p := startSpindle(t, nil, args...)
	a := trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	if code := p.wait(t, ctx); code != 0 {
		t.Fatalf("seed %d: spindle exited %d, want 0\n%s", seed, code, p.stderr())
	}
	out := p.stdout()
	if mode == "cluster" {
		out = amLog(t, a.str, "stdout")
	}
	reps := parseProbe(t, out)
	if len(reps) != 2 {
		t.Fatalf("seed %d: want 2 probe reports (driver, executor), got %d:\n%s", seed, len(reps), out)
	}
	links := map[string]string{}
	for k, v := range c.Files {
		links[k] = v
	}
	links[c.Archive] = strings.Join(sortedCopy(c.ArchiveFiles), "\n")
	for _, r := range reps {
		wantLinks := links
		if r.Role == "driver" && mode == "client" {
			wantLinks = map[string]string{} // the driver runs here, in spindle's directory (as spark-submit's)
		}
		want := c.Args
		if r.Role == "executor" {
			want = execArgs
		}
		if !reflect.DeepEqual(nonNil(r.Args), nonNil(want)) {
			t.Errorf("seed %d %s: %s args\n got %q\nwant %q", seed, mode, r.Role, r.Args, want)
		}
		if !reflect.DeepEqual(r.Env, c.Env) {
			t.Errorf("seed %d %s: %s env\n got %q\nwant %q", seed, mode, r.Role, r.Env, c.Env)
		}
		if !reflect.DeepEqual(r.Links, wantLinks) {
			t.Errorf("seed %d %s: %s links\n got %q\nwant %q", seed, mode, r.Role, r.Links, wantLinks)
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		if _, err := os.Stat(filepath.Join(home, ".spindle-exact-pwned")); err == nil {
			t.Errorf("seed %d: a generated string was executed as a command (~/.spindle-exact-pwned exists)", seed)
		}
	}
	t.Logf("seed %d %s: driver and executor received %d args, %d env values, %d links exactly", seed, mode, len(c.Args), len(c.Env), len(links))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}
