package client

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestResolveOptionsDefaults(t *testing.T) {
	o, err := ResolveOptions(map[string]string{KeyMaster: "yarn"}, "./app", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Master != "yarn" || o.DeployMode != "client" || o.Queue != "default" || o.NumExecutors != 2 ||
		o.ExecutorMemoryMB != 1024 || o.ExecutorCores != 1 || o.DriverMemoryMB != 1024 || o.DriverCores != 1 ||
		o.AMMemoryMB != 256 || o.AMCores != 1 || !o.Wait || o.Verbose || o.DriverTimeout != 60*time.Second ||
		o.MaxAppAttempts != 0 || o.MaxExecutorFailures != 0 || o.Priority != 0 {
		t.Errorf("defaults: %+v", o)
	}
	if o.App != "./app" || !reflect.DeepEqual(o.AppArgs, []string{"a", "b"}) {
		t.Errorf("app = %q %q", o.App, o.AppArgs)
	}
	if o.Env == nil || o.Hadoop == nil || len(o.Env) != 0 || len(o.Hadoop) != 0 {
		t.Errorf("env/hadoop maps = %v %v", o.Env, o.Hadoop)
	}
	if Default(KeyNumExecutors) != "2" || Default(KeyMaster) != "" {
		t.Errorf("Default: %q %q", Default(KeyNumExecutors), Default(KeyMaster))
	}
}

func TestResolveOptionsAllKeys(t *testing.T) {
	conf := map[string]string{
		KeyMaster: "local[4]", KeyDeployMode: "cluster", KeyName: "job", KeyQueue: "q1",
		KeyNumExecutors: " 5 ", KeyExecutorMemory: "2g", KeyExecutorCores: "3", KeyDriverMemory: "512m",
		KeyDriverCores: "2", KeyAMMemory: "384", KeyAMCores: "2",
		KeyFiles: "a.txt, b.txt#bee,,", KeyArchives: "x.zip", KeyJars: "j1.jar,j2.jar",
		KeyExecutorCommand: `python3 -c "print('hi there')" 'two words'`,
		KeyMaxAppAttempts:  "3", KeyMaxExecutorFailures: "0", KeyTags: "t1,t2", KeyPriority: "7",
		KeyNodeLabel: "gpu", KeyWait: "false", KeyVerbose: "true", KeyBinary: "hdfs:///bin/spindle",
		KeyStagingDir: "/tmp/stage", KeyDriverTimeout: "90s", KeyAMPort: " 40000-40100 ",
		KeyEnvPrefix + "FOO": "bar", KeyEnvPrefix + "_X1": " spaced ",
		KeyHadoopPrefix + "fs.defaultFS": "hdfs://ns", KeyHadoopPrefix + "yarn.resourcemanager.address": "rm:8032",
		"spindle.unknown.key": "ignored",
	}
	o, err := ResolveOptions(conf, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Options{
		Master: "local[4]", DeployMode: "cluster", Name: "job", Queue: "q1",
		NumExecutors: 5, ExecutorMemoryMB: 2048, ExecutorCores: 3, DriverMemoryMB: 512, DriverCores: 2,
		AMMemoryMB: 384, AMCores: 2,
		Files: []string{"a.txt", "b.txt#bee"}, Archives: []string{"x.zip"}, Jars: []string{"j1.jar", "j2.jar"},
		ExecutorCommand: []string{"python3", "-c", "print('hi there')", "two words"},
		Env:             map[string]string{"FOO": "bar", "_X1": " spaced "},
		MaxAppAttempts:  3, MaxExecutorFailures: 0, Tags: []string{"t1", "t2"}, Priority: 7, NodeLabel: "gpu",
		AMNodeLabel: "gpu", ExecutorNodeLabel: "gpu", Placement: PlacementOptions{RelaxLocality: true},
		Wait: false, Verbose: true, Binary: "hdfs:///bin/spindle", StagingDir: "/tmp/stage", DriverTimeout: 90 * time.Second,
		AMPort:   "40000-40100",
		Hadoop:   map[string]string{"fs.defaultFS": "hdfs://ns", "yarn.resourcemanager.address": "rm:8032"},
		Recovery: Recovery{ExcludeTimeout: time.Hour},
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("resolved:\n got %+v\nwant %+v", o, want)
	}
}

func TestResolveOptionsNumExecutorsNegative(t *testing.T) {
	_, err := ResolveOptions(map[string]string{KeyNumExecutors: "-1"}, "app", nil)
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want *UsageError", err)
	}
	if len(ue.Problems) != 1 {
		t.Fatalf("problems = %q, want 1", ue.Problems)
	}
	msg := err.Error()
	for _, want := range []string{"--num-executors", "spindle.executor.instances", `"-1"`, ">= 0"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if !strings.HasPrefix(msg, "invalid option ") {
		t.Errorf("single-problem error = %q", msg)
	}
	// Zero executors is fine (a driver alone).
	if o, err := ResolveOptions(map[string]string{KeyNumExecutors: "0"}, "app", nil); err != nil || o.NumExecutors != 0 {
		t.Errorf("0 executors: %v, %v", o, err)
	}
}

func TestResolveOptionsListsEveryProblem(t *testing.T) {
	conf := map[string]string{
		KeyDeployMode:          "sideways",
		KeyQueue:               " ",
		KeyNumExecutors:        "many",
		KeyExecutorMemory:      "lots",
		KeyExecutorCores:       "0",
		KeyDriverMemory:        "-1g",
		KeyDriverCores:         "x",
		KeyAMMemory:            "0",
		KeyAMCores:             "0",
		KeyExecutorCommand:     `run "unterminated`,
		KeyMaxAppAttempts:      "0",
		KeyMaxExecutorFailures: "-2",
		KeyPriority:            "-1",
		KeyWait:                "maybe",
		KeyVerbose:             "loud",
		KeyDriverTimeout:       "-5s",
		KeyEnvPrefix + "1BAD":  "v",
		KeyEnvPrefix + "A-B":   "v",
		KeyEnvPrefix + "":      "v",
	}
	_, err := ResolveOptions(conf, "app", nil)
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want *UsageError", err)
	}
	wantFragments := []string{
		"--deploy-mode (spindle.submit.deployMode)",
		"--queue (spindle.yarn.queue)",
		"--num-executors (spindle.executor.instances)",
		"--executor-memory (spindle.executor.memory)",
		"--executor-cores (spindle.executor.cores)",
		"--driver-memory (spindle.driver.memory)",
		"--driver-cores (spindle.driver.cores)",
		"--conf (spindle.yarn.am.memory)",
		"--conf (spindle.yarn.am.cores)",
		"--executor-command (spindle.executor.command)",
		"--max-app-attempts (spindle.yarn.maxAppAttempts)",
		"--conf (spindle.executor.maxFailures)",
		"--priority (spindle.yarn.priority)",
		"--wait (spindle.yarn.submit.waitAppCompletion)",
		"--verbose (spindle.verbose)",
		"--conf (spindle.driver.timeout)",
		`--env (spindle.env.1BAD)`,
		`--env (spindle.env.A-B)`,
		`--env (spindle.env.)`,
	}
	if len(ue.Problems) != len(wantFragments) {
		t.Errorf("got %d problems, want %d:\n%s", len(ue.Problems), len(wantFragments), strings.Join(ue.Problems, "\n"))
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "invalid options:\n  ") {
		t.Errorf("multi-problem error starts %q", msg[:min(len(msg), 30)])
	}
	for _, f := range wantFragments {
		if !strings.Contains(msg, f) {
			t.Errorf("error does not mention %s:\n%s", f, msg)
		}
	}
	if !sort.StringsAreSorted(ue.Problems) {
		t.Errorf("problems not sorted: %q", ue.Problems)
	}
	for _, f := range []string{"use cluster or client", "unterminated double quote", "want true or false", "positive duration"} {
		if !strings.Contains(msg, f) {
			t.Errorf("error does not explain %q:\n%s", f, msg)
		}
	}
}

func TestResolveOptionsEnvNames(t *testing.T) {
	for name, ok := range map[string]bool{
		"A": true, "_": true, "a_b": true, "PATH2": true, "_9": true, "ÄB": false,
		"9A": false, "A B": false, "A=B": false, "A.B": false, "": false,
	} {
		_, err := ResolveOptions(map[string]string{KeyEnvPrefix + name: "v"}, "app", nil)
		if (err == nil) != ok {
			t.Errorf("env name %q: err = %v, want ok=%v", name, err, ok)
		}
		if validEnvName(name) != ok {
			t.Errorf("validEnvName(%q) != %v", name, ok)
		}
	}
}

func TestResolveOptionsOptionalKeysEmpty(t *testing.T) {
	// Optional keys explicitly set to "" mean "not set", not an error.
	o, err := ResolveOptions(map[string]string{KeyMaxAppAttempts: "", KeyPriority: "", KeyMaxExecutorFailures: "",
		KeyDriverTimeout: "", KeyVerbose: "", KeyExecutorCommand: "  "}, "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.MaxAppAttempts != 0 || o.Priority != 0 || o.DriverTimeout != 0 || o.Verbose || o.ExecutorCommand != nil {
		t.Errorf("%+v", o)
	}
}

func utWriteProps(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), DefaultPropertiesFile)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadProperties(t *testing.T) {
	p := utWriteProps(t, strings.Join([]string{
		"# a comment",
		"! another comment",
		"",
		"   ",
		"spindle.executor.instances 4",
		"spindle.executor.memory=2g",
		"spindle.driver.memory = 3g",
		"spindle.yarn.queue\tbatch",
		"spindle.yarn.tags    a, b  ",
		"spindle.env.URL=http://x/?a=b",
		"spindle.env.EMPTY=",
		"  spindle.app.name   spaced name  ",
		"spindle.yarn.priority   =   5",
		"spindle.executor.instances 6", // later lines win
	}, "\n"))
	got, err := ReadProperties(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"spindle.executor.instances": "6",
		"spindle.executor.memory":    "2g",
		"spindle.driver.memory":      "3g",
		"spindle.yarn.queue":         "batch",
		"spindle.yarn.tags":          "a, b",
		"spindle.env.URL":            "http://x/?a=b",
		"spindle.env.EMPTY":          "",
		"spindle.app.name":           "spaced name",
		"spindle.yarn.priority":      "5",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadProperties:\n got %v\nwant %v", got, want)
	}
}

func TestReadPropertiesErrors(t *testing.T) {
	p := utWriteProps(t, "good.key value\n\n=novalue\n")
	_, err := ReadProperties(p)
	if err == nil || !strings.Contains(err.Error(), p+":3:") || !strings.Contains(err.Error(), `"=novalue"`) {
		t.Errorf("malformed line: err = %v, want %s:3: naming the line", err, p)
	}
	_, err = ReadProperties(filepath.Join(t.TempDir(), "absent.conf"))
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "read properties file") {
		t.Errorf("absent file: err = %v", err)
	}
}

func TestFindPropertiesFile(t *testing.T) {
	empty, a, b := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if err := os.WriteFile(filepath.Join(d, DefaultPropertiesFile), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dirAsFile := t.TempDir()
	if err := os.Mkdir(filepath.Join(dirAsFile, DefaultPropertiesFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := FindPropertiesFile("", empty, dirAsFile, b, a); got != filepath.Join(b, DefaultPropertiesFile) {
		t.Errorf("FindPropertiesFile = %q, want the one in %s", got, b)
	}
	if got := FindPropertiesFile("", empty); got != "" {
		t.Errorf("FindPropertiesFile(none) = %q", got)
	}
}

func TestMergePrecedence(t *testing.T) {
	props := map[string]string{"a": "props", "b": "props", "c": "props"}
	conf := map[string]string{"b": "conf", "c": "conf"}
	flags := map[string]string{"c": "flag", "d": "flag"}
	got := Merge(props, conf, flags)
	want := map[string]string{"a": "props", "b": "conf", "c": "flag", "d": "flag"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Merge = %v, want %v", got, want)
	}
	if props["c"] != "props" || len(props) != 3 {
		t.Errorf("Merge modified its input: %v", props)
	}
	if m := Merge(); m == nil || len(m) != 0 {
		t.Errorf("Merge() = %v", m)
	}
	if m := Merge(nil, flags); !reflect.DeepEqual(m, flags) {
		t.Errorf("Merge(nil, flags) = %v", m)
	}

	// End to end through ResolveOptions: properties < --conf < flags.
	o, err := ResolveOptions(Merge(
		map[string]string{KeyNumExecutors: "1", KeyQueue: "fromprops", KeyName: "props"},
		map[string]string{KeyNumExecutors: "2", KeyQueue: "fromconf"},
		map[string]string{KeyNumExecutors: "3"},
	), "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.NumExecutors != 3 || o.Queue != "fromconf" || o.Name != "props" {
		t.Errorf("precedence: executors=%d queue=%q name=%q", o.NumExecutors, o.Queue, o.Name)
	}
}

func TestParseConfFlag(t *testing.T) {
	for _, tc := range []struct{ in, k, v string }{
		{"a=b", "a", "b"},
		{"spindle.env.X=y=z", "spindle.env.X", "y=z"},
		{" k =v ", "k", "v "},
		{"k=", "k", ""},
	} {
		k, v, err := ParseConfFlag(tc.in)
		if err != nil || k != tc.k || v != tc.v {
			t.Errorf("ParseConfFlag(%q) = %q, %q, %v; want %q, %q", tc.in, k, v, err, tc.k, tc.v)
		}
	}
	for _, bad := range []string{"novalue", "=v", " =v", ""} {
		if _, _, err := ParseConfFlag(bad); err == nil || !strings.Contains(err.Error(), "--conf") || !strings.Contains(err.Error(), "key=value") {
			t.Errorf("ParseConfFlag(%q): err = %v", bad, err)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   \t\n ", nil},
		{"a", []string{"a"}},
		{"  a   b\tc\nd ", []string{"a", "b", "c", "d"}},
		{`'a b' "c d"`, []string{"a b", "c d"}},
		{`''`, []string{""}},
		{`"" x`, []string{"", "x"}},
		{`a'b c'd`, []string{"ab cd"}},
		{`'it'\''s'`, []string{"it's"}},
		{`"say \"hi\""`, []string{`say "hi"`}},
		{`"a\\b" "\$x" "\n"`, []string{`a\b`, `$x`, `\n`}},
		{`'$HOME \n'`, []string{`$HOME \n`}},
		{`a\ b c`, []string{"a b", "c"}},
		{`trailing\`, []string{`trailing\`}},
		{`python3 -c "print('x')"`, []string{"python3", "-c", "print('x')"}},
	} {
		got, err := SplitCommand(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for in, msg := range map[string]string{
		`'open`:        "unterminated single quote",
		`a "open`:      "unterminated double quote",
		`"esc \"`:      "unterminated double quote",
		`ok 'x' 'y`:    "unterminated single quote",
		`"a" "b" "c\"`: "unterminated double quote",
	} {
		if _, err := SplitCommand(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("SplitCommand(%q): err = %v, want %q", in, err, msg)
		}
	}
}

func TestUsageErrorMessage(t *testing.T) {
	one := &UsageError{Problems: []string{"--x (k): bad"}}
	if one.Error() != "invalid option --x (k): bad" {
		t.Errorf("one = %q", one.Error())
	}
	two := &UsageError{Problems: []string{"--a: 1", "--b: 2"}}
	if two.Error() != "invalid options:\n  --a: 1\n  --b: 2" {
		t.Errorf("two = %q", two.Error())
	}
}
