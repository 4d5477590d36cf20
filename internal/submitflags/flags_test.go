package submitflags

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/internal/console"
)

// parseSubmit parses args with the submit flags and returns them with the layers.
func parseSubmit(t *testing.T, args ...string) (*Flags, map[string]string, map[string]string) {
	t.Helper()
	f := New("submit", nil)
	f.FS.SetOutput(new(strings.Builder))
	if err := f.FS.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	conf, flags, err := f.Layers()
	if err != nil {
		t.Fatalf("layers of %q: %v", args, err)
	}
	return f, conf, flags
}

func TestSubmitFlagsExplicitOnly(t *testing.T) {
	// Flags left at their defaults are not in the flag layer, so they cannot
	// override --conf or the properties file.
	f, conf, flags := parseSubmit(t, "app")
	if len(conf) != 0 || len(flags) != 0 {
		t.Errorf("no flags: conf=%v flags=%v", conf, flags)
	}
	if got := f.FS.Args(); !reflect.DeepEqual(got, []string{"app"}) {
		t.Errorf("args = %q", got)
	}
}

func TestSubmitFlagsMapToKeys(t *testing.T) {
	_, conf, flags := parseSubmit(t,
		"--master", "yarn", "--deploy-mode", "cluster", "--name", "job", "--queue", "q",
		"--num-executors", "3", "--executor-memory", "2g", "--executor-cores", "2",
		"--driver-memory", "1g", "--driver-cores", "1",
		"--files", "a.txt,b.txt", "--files", "c.txt", "--archives", "x.zip", "--jars", "j.jar",
		"--executor-command", "python3 worker.py", "--max-app-attempts", "1",
		"--tags", "t1", "--tags", "t2,t3", "--priority", "4", "--node-label", "gpu", "--executor-resource", "gpu=1", "--executor-resource", "example.com/widget=2", "--driver-resource", "fpga=1",
		"--verbose", "--wait=false",
		"--env", "FOO=bar", "--env", "EQ=a=b", "--env", "EMPTY=",
		"--conf", "spindle.executor.maxFailures=9", "--conf", "spindle.hadoop.fs.defaultFS=hdfs://ns",
		"app", "arg")
	want := map[string]string{
		client.KeyMaster: "yarn", client.KeyDeployMode: "cluster", client.KeyName: "job", client.KeyQueue: "q",
		client.KeyNumExecutors: "3", client.KeyExecutorMemory: "2g", client.KeyExecutorCores: "2",
		client.KeyDriverMemory: "1g", client.KeyDriverCores: "1",
		client.KeyFiles: "a.txt,b.txt,c.txt", client.KeyArchives: "x.zip", client.KeyJars: "j.jar",
		client.KeyExecutorCommand: "python3 worker.py", client.KeyMaxAppAttempts: "1",
		client.KeyTags: "t1,t2,t3", client.KeyPriority: "4", client.KeyExecutorNodeLabel: "gpu", "spindle.executor.resource.gpu.amount": "1", "spindle.executor.resource.example.com/widget.amount": "2", "spindle.driver.resource.fpga.amount": "1",
		client.KeyVerbose: "true", client.KeyWait: "false",
		client.KeyEnvPrefix + "FOO": "bar", client.KeyEnvPrefix + "EQ": "a=b", client.KeyEnvPrefix + "EMPTY": "",
	}
	if !reflect.DeepEqual(flags, want) {
		t.Errorf("flag layer:\n got %v\nwant %v", flags, want)
	}
	wantConf := map[string]string{"spindle.executor.maxFailures": "9", "spindle.hadoop.fs.defaultFS": "hdfs://ns"}
	if !reflect.DeepEqual(conf, wantConf) {
		t.Errorf("conf layer = %v, want %v", conf, wantConf)
	}
}

func TestSubmitFlagsNoWaitAndShortVerbose(t *testing.T) {
	_, _, flags := parseSubmit(t, "--no-wait", "-v", "app")
	if flags[client.KeyWait] != "false" || flags[client.KeyVerbose] != "true" {
		t.Errorf("flags = %v", flags)
	}
	// --no-wait beats --wait.
	_, _, flags = parseSubmit(t, "--wait", "--no-wait", "app")
	if flags[client.KeyWait] != "false" {
		t.Errorf("--wait --no-wait: wait = %q", flags[client.KeyWait])
	}
}

func TestSubmitFlagsConfRepeatLastWins(t *testing.T) {
	_, conf, _ := parseSubmit(t, "--conf", "k=1", "--conf", "k=2", "app")
	if conf["k"] != "2" {
		t.Errorf("conf = %v", conf)
	}
}

func TestSubmitFlagsAppArgsStayWithApp(t *testing.T) {
	f, _, flags := parseSubmit(t, "--num-executors", "3", "app", "--num-executors", "5", "--conf", "x=y", "-v")
	if got, want := f.FS.Args(), []string{"app", "--num-executors", "5", "--conf", "x=y", "-v"}; !reflect.DeepEqual(got, want) {
		t.Errorf("args = %q, want %q", got, want)
	}
	if flags[client.KeyNumExecutors] != "3" {
		t.Errorf("num-executors = %q, want 3 (the one before APP)", flags[client.KeyNumExecutors])
	}
	if _, ok := flags[client.KeyVerbose]; ok {
		t.Errorf("-v after APP was taken by spindle: %v", flags)
	}
	// "--" ends the flags too.
	f, _, _ = parseSubmit(t, "--", "--app-looking-like-a-flag", "x")
	if got := f.FS.Args(); !reflect.DeepEqual(got, []string{"--app-looking-like-a-flag", "x"}) {
		t.Errorf("after --: args = %q", got)
	}
}

func TestSubmitFlagsLayerErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--conf", "novalue", "app"}, `--conf "novalue": want key=value`},
		{[]string{"--conf", "=v", "app"}, "want key=value"},
		{[]string{"--env", "NOVALUE", "app"}, `--env "NOVALUE": want K=V`},
		{[]string{"--env", "=v", "app"}, "want K=V"},
	} {
		f := New("submit", nil)
		if err := f.FS.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.Layers()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestSubmitFlagsUnknownFlag(t *testing.T) {
	f := New("submit", nil)
	f.FS.SetOutput(new(strings.Builder))
	err := console.ParseFlags(f.FS, []string{"--bogus", "app"})
	var ue console.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "unknown flag --bogus") {
		t.Errorf("unknown flag: err = %v, want a usageError naming --bogus", err)
	}
	f = New("submit", nil)
	f.FS.SetOutput(new(strings.Builder))
	var help console.HelpRequested
	if err := console.ParseFlags(f.FS, []string{"--help"}); !errors.As(err, &help) || help.FS != f.FS {
		t.Errorf("--help: err = %v, want helpRequested", err)
	}
}

func TestSubmitFlagsExtra(t *testing.T) {
	var extra *string
	f := New("shell", func(fs *pflag.FlagSet) { extra = fs.String("extra", "d", "an extra flag") })
	if err := f.FS.Parse([]string{"--extra", "x", "--queue", "q"}); err != nil {
		t.Fatal(err)
	}
	_, flags, err := f.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if *extra != "x" || flags[client.KeyQueue] != "q" {
		t.Errorf("extra = %q, flags = %v", *extra, flags)
	}
	if _, ok := flags["extra"]; ok || len(flags) != 1 {
		t.Errorf("flags without a key leaked into the layer: %v", flags)
	}
}

func TestSubmitFlagsEveryKeyedFlagExists(t *testing.T) {
	f := New("submit", nil)
	for name, key := range f.keyOf {
		if f.FS.Lookup(name) == nil {
			t.Errorf("keyOf names flag --%s that does not exist", name)
		}
		if !strings.HasPrefix(key, "spindle.") {
			t.Errorf("--%s maps to %q", name, key)
		}
	}
	// Defaults shown in --help are the built-in ones.
	if got := f.FS.Lookup("num-executors").DefValue; got != client.Default(client.KeyNumExecutors) {
		t.Errorf("num-executors default = %q", got)
	}
}

func TestTypedNumericFlags(t *testing.T) {
	for _, flag := range []string{"num-executors", "executor-cores", "driver-cores", "max-app-attempts", "priority"} {
		f := New("submit", nil)
		if typ := f.FS.Lookup(flag).Value.Type(); typ != "int" {
			t.Errorf("--%s is of type %s", flag, typ)
		}
	}
	_, _, flags := parseSubmit(t, "--num-executors", " 4", "app")
	if flags[client.KeyNumExecutors] != "4" {
		t.Errorf("--num-executors ' 4' = %q", flags[client.KeyNumExecutors])
	}
	// max-app-attempts defaults to the cluster's: empty, and not in the layer.
	f, _, flags := parseSubmit(t, "app")
	if _, ok := flags[client.KeyMaxAppAttempts]; ok || f.FS.Lookup("max-app-attempts").DefValue != client.Default(client.KeyMaxAppAttempts) {
		t.Errorf("max-app-attempts default leaked: %v", flags)
	}
}

func TestShortConf(t *testing.T) {
	_, conf, _ := parseSubmit(t, "-c", "spindle.executor.maxFailures=4", "-c", "k=v", "app")
	if want := map[string]string{"spindle.executor.maxFailures": "4", "k": "v"}; !reflect.DeepEqual(conf, want) {
		t.Errorf("-c: conf = %v, want %v", conf, want)
	}
}
