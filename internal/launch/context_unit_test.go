package launch

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
)

func TestContextProto(t *testing.T) {
	c := &Context{
		Resources: []spec.Resource{
			{Name: "spindle", URL: "hdfs://nn:8020/user/a/.spindle/cache/x/spindle", Size: 10, Timestamp: 1234, Type: spec.TypeFile, Visibility: spec.VisibilityPrivate},
			{Name: "__spindle_conf__", URL: "hdfs://ns/user/a/conf.zip", Size: 20, Timestamp: 5678, Type: spec.TypeArchive, Visibility: spec.VisibilityApplication},
		},
		Env:     map[string]string{"ZED": "z", "ALPHA": "a", "MID": "{{PWD}}/m"},
		Command: []string{"./spindle", "am", "--spec", "spindle-spec.json"},
		Tokens:  []byte("HDTS\x00"),
	}
	clc, err := c.Proto()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(clc.GetLocalResources()); got != 2 {
		t.Fatalf("local resources = %d, want 2", got)
	}
	if k := clc.GetLocalResources()[0].GetKey(); k != "spindle" {
		t.Errorf("first resource key = %q", k)
	}
	if typ := clc.GetLocalResources()[1].GetValue().GetType(); typ != yarnpb.LocalResourceTypeProto_ARCHIVE {
		t.Errorf("conf type = %v, want ARCHIVE", typ)
	}
	var keys []string
	for _, e := range clc.GetEnvironment() {
		keys = append(keys, e.GetKey()+"="+e.GetValue())
	}
	if got, want := strings.Join(keys, ","), "ALPHA=a,MID={{PWD}}/m,ZED=z"; got != want {
		t.Errorf("environment = %s, want %s (sorted by key, values untouched)", got, want)
	}
	if len(clc.GetCommand()) != 1 {
		t.Fatalf("command = %q, want one string", clc.GetCommand())
	}
	if got, want := clc.GetCommand()[0], "./spindle am --spec spindle-spec.json "+LogRedirect; got != want {
		t.Errorf("command = %q, want %q", got, want)
	}
	if string(clc.GetTokens()) != "HDTS\x00" {
		t.Errorf("tokens = %q", clc.GetTokens())
	}
}

func TestContextProtoQuotesCommandAndOmitsEmptyTokens(t *testing.T) {
	for _, tokens := range [][]byte{nil, {}} {
		clc, err := (&Context{Command: []string{"./app", "hello world", "it's"}, Tokens: tokens}).Proto()
		if err != nil {
			t.Fatal(err)
		}
		if clc.Tokens != nil {
			t.Errorf("tokens %q: proto tokens = %q, want nil (never a present-but-empty blob)", tokens, clc.Tokens)
		}
		// The backslash is doubled for the NodeManager's `bash -c "..."` (see nmEscape).
		want := `./app 'hello world' 'it'\\''s' 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`
		if got := clc.GetCommand()[0]; got != want {
			t.Errorf("command = %q, want %q", got, want)
		}
		if len(clc.GetEnvironment()) != 0 || len(clc.GetLocalResources()) != 0 {
			t.Errorf("unexpected env/resources: %v", clc)
		}
	}
}

func TestContextProtoErrors(t *testing.T) {
	if _, err := (&Context{}).Proto(); err == nil || !strings.Contains(err.Error(), "empty command") {
		t.Errorf("empty command: err = %v", err)
	}
	_, err := (&Context{Command: []string{"x"}, Resources: []spec.Resource{{Name: "bad", URL: "/no/scheme"}}}).Proto()
	if err == nil || !strings.Contains(err.Error(), "bad") || !strings.Contains(err.Error(), "fully qualified") {
		t.Errorf("relative URL: err = %v", err)
	}
}

func TestResourceProtoURLs(t *testing.T) {
	for _, tc := range []struct {
		url          string
		scheme, host string
		hasHost      bool
		port         int32
		file         string
	}{
		{"file:///a/b", "file", "", false, -1, "/a/b"},
		{"hdfs://nn:8020/x", "hdfs", "nn", true, 8020, "/x"},
		{"hdfs://ns/x/y.zip", "hdfs", "ns", true, -1, "/x/y.zip"},
		{"viewfs://cluster/a%20b", "viewfs", "cluster", true, -1, "/a b"},
	} {
		lr, err := ResourceProto(spec.Resource{Name: "n", URL: tc.url, Size: 7, Timestamp: 99, Type: spec.TypeFile})
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		u := lr.GetResource()
		if u.GetScheme() != tc.scheme || u.GetPort() != tc.port || u.GetFile() != tc.file || u.GetHost() != tc.host || (u.Host != nil) != tc.hasHost {
			t.Errorf("%s: got scheme=%q host=%v port=%d file=%q", tc.url, u.GetScheme(), u.Host, u.GetPort(), u.GetFile())
		}
		if u.Port == nil {
			t.Errorf("%s: port must be present (-1 when absent)", tc.url)
		}
		if lr.GetSize() != 7 || lr.GetTimestamp() != 99 {
			t.Errorf("%s: size/timestamp = %d/%d", tc.url, lr.GetSize(), lr.GetTimestamp())
		}
	}
	for _, bad := range []string{"", "relative/path", "/abs/path", "hdfs://nn:port/x"} {
		if _, err := ResourceProto(spec.Resource{Name: "n", URL: bad}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestResourceProtoTypesAndVisibilities(t *testing.T) {
	for _, tc := range []struct {
		typ, vis string
		wtyp     yarnpb.LocalResourceTypeProto
		wvis     yarnpb.LocalResourceVisibilityProto
	}{
		{spec.TypeFile, spec.VisibilityApplication, yarnpb.LocalResourceTypeProto_FILE, yarnpb.LocalResourceVisibilityProto_APPLICATION},
		{spec.TypeArchive, spec.VisibilityPublic, yarnpb.LocalResourceTypeProto_ARCHIVE, yarnpb.LocalResourceVisibilityProto_PUBLIC},
		{spec.TypeFile, spec.VisibilityPrivate, yarnpb.LocalResourceTypeProto_FILE, yarnpb.LocalResourceVisibilityProto_PRIVATE},
		{"", "", yarnpb.LocalResourceTypeProto_FILE, yarnpb.LocalResourceVisibilityProto_APPLICATION},
	} {
		lr, err := ResourceProto(spec.Resource{Name: "n", URL: "hdfs://nn:8020/x", Type: tc.typ, Visibility: tc.vis})
		if err != nil {
			t.Fatal(err)
		}
		if lr.GetType() != tc.wtyp || lr.GetVisibility() != tc.wvis {
			t.Errorf("%q/%q: got %v/%v, want %v/%v", tc.typ, tc.vis, lr.GetType(), lr.GetVisibility(), tc.wtyp, tc.wvis)
		}
		if lr.Type == nil || lr.Visibility == nil {
			t.Errorf("%q/%q: type and visibility must be set explicitly", tc.typ, tc.vis)
		}
	}
}

func TestShellJoin(t *testing.T) {
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"./spindle", "am", "--spec", "spindle-spec.json"}, "./spindle am --spec spindle-spec.json"},
		{[]string{"a b"}, "'a b'"},
		{[]string{""}, "''"},
		{[]string{"it's"}, `'it'\''s'`},
		{[]string{`say "hi"`}, `'say "hi"'`},
		{[]string{"$HOME"}, "'$HOME'"},
		{[]string{"a;b", "x|y", "*", "`id`"}, "'a;b' 'x|y' '*' '`id`'"},
		{[]string{"key=value,other:1", "user@host", "50%"}, "key=value,other:1 user@host 50%"},
		{[]string{"{{PWD}}/__spindle_conf__"}, `"{{PWD}}"/__spindle_conf__`},
		{[]string{"{{PWD}}"}, `"{{PWD}}"`},
		{[]string{"--dir={{PWD}}/a b"}, `--dir="{{PWD}}"'/a b'`},
		{[]string{"{{HOME}}{{USER}}x"}, `"{{HOME}}""{{USER}}"x`},
		{[]string{"<LOG_DIR>/app.log"}, "'<LOG_DIR>/app.log'"},
		{[]string{"{{not a var}}"}, "'{{not a var}}'"},
	} {
		if got := ShellJoin(tc.words); got != tc.want {
			t.Errorf("ShellJoin(%q) = %s, want %s", tc.words, got, tc.want)
		}
	}
}

// nmExpand does to a command what the NodeManager does before handing it to bash
// on Linux: <LOG_DIR> becomes the log directory, {{ becomes $ and }} disappears.
func nmExpand(cmd, logDir string) string {
	cmd = strings.ReplaceAll(cmd, "<LOG_DIR>", logDir)
	cmd = strings.ReplaceAll(cmd, "{{", "$")
	return strings.ReplaceAll(cmd, "}}", "")
}

// TestShellJoinThroughShell runs joined words through a real shell after the
// NodeManager's marker expansion and checks the program would get exactly the
// intended arguments.
func TestShellJoinThroughShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	const varValue = "/work dir/with  spaces*"
	const logDir = "/var/log/c 1"
	words := []string{"plain", "two words", "", "it's", `dq"`, "$HOME", "`x`", "a\\b", "tab\there", "new\nline",
		"{{SPX_VAR}}/__spindle_conf__", "{{SPX_VAR}}", "pre{{SPX_VAR}}post", "{{SPX_VAR}}suffix_1", "it's {{SPX_VAR}}",
		"<LOG_DIR>/stdout", "*"}
	want := make([]string, len(words))
	for i, w := range words {
		w = strings.ReplaceAll(w, "{{SPX_VAR}}", varValue)
		want[i] = strings.ReplaceAll(w, "<LOG_DIR>", logDir)
	}
	script := "printf '%s\\0' " + nmExpand(ShellJoin(words), logDir)
	cmd := exec.Command(sh, "-c", script)
	cmd.Env = []string{"SPX_VAR=" + varValue, "PATH=/usr/bin:/bin"}
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", script, err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(got) != len(want) {
		t.Fatalf("got %d words %q, want %d %q (script %q)", len(got), got, len(want), want, script)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("word %d: got %q, want %q (from %q)", i, got[i], want[i], words[i])
		}
	}
}

// TestCommandThroughNodeManagerScript runs a launch context's command the way
// the NodeManager's launch_container.sh does on Linux, `exec /bin/bash -c
// "COMMAND"` after its marker expansion, and checks the program gets exactly
// the intended arguments, also with quotes, $ and backquotes in them (a
// `sh -c '... "$(cat)" ...'` executor command).
func TestCommandThroughNodeManagerScript(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	const varValue = "/work dir/x"
	words := []string{"printf", `%s\0`, "plain", `dq"`, "$HOME", "`x`", `a\b`, "it's", `"$(cat)" = "$SPINDLE_TASK"`,
		"{{SPX_VAR}}/conf", "pre {{SPX_VAR}}"}
	want := []string{"plain", `dq"`, "$HOME", "`x`", `a\b`, "it's", `"$(cat)" = "$SPINDLE_TASK"`, varValue + "/conf", "pre " + varValue}
	clc, err := (&Context{Command: words}).Proto()
	if err != nil {
		t.Fatal(err)
	}
	cmd := strings.TrimSuffix(clc.GetCommand()[0], " "+LogRedirect)
	script := `exec /bin/bash -c "` + nmExpand(cmd, "/tmp") + `"`
	c := exec.Command(bash, "-c", script)
	c.Env = []string{"SPX_VAR=" + varValue, "PATH=/usr/bin:/bin", "HOME=/nowhere"}
	out, err := c.Output()
	if err != nil {
		t.Fatalf("bash -c %q: %v", script, err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("through launch_container.sh: got %q, want %q (script %q)", got, want, script)
	}
}

// TestProtoRefusesWhatBashWouldChange: a link name or environment value that
// YARN's launch script would expand is an error, not a different container.
func TestProtoRefusesWhatBashWouldChange(t *testing.T) {
	res := spec.Resource{Name: "ok", URL: "hdfs://nn:8020/s/x", Type: spec.TypeFile, Visibility: spec.VisibilityApplication}
	if _, err := (&Context{Resources: []spec.Resource{res}, Env: map[string]string{"A": "{{PWD}}/x y"}, Command: []string{"./x"}}).Proto(); err != nil {
		t.Fatalf("safe context: %v", err)
	}
	bad := res
	bad.Name = "$(touch x)"
	if _, err := (&Context{Resources: []spec.Resource{bad}, Command: []string{"./x"}}).Proto(); err == nil {
		t.Error("link name $(touch x) accepted")
	}
	for _, v := range []string{"$HOME", "`id`", `a"b`, `a\b`, "a\nb"} {
		if _, err := (&Context{Env: map[string]string{"A": v}, Command: []string{"./x"}}).Proto(); err == nil {
			t.Errorf("env value %q accepted", v)
		}
	}
}
