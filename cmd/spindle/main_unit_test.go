package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writers run() has (the
// logger, the driver's output and every executor's prefixed output).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// noHadoopEnv clears every variable that would point spindle at a cluster or a
// properties file.
func noHadoopEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"HADOOP_CONF_DIR", "YARN_CONF_DIR", "HADOOP_HOME", "SPINDLE_CONF_DIR"} {
		t.Setenv(k, "")
	}
}

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr syncBuffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, out, errOut := runCLI(args...)
		if code != 0 {
			t.Errorf("%q: exit %d", args, code)
		}
		if !strings.Contains(out, "Usage: spindle COMMAND") || !strings.Contains(out, "submit") || !strings.Contains(out, "Examples:") {
			t.Errorf("%q: usage not on stdout: %q", args, out)
		}
		if strings.Contains(out, "executor ") || strings.Contains(out, "  am ") {
			t.Errorf("%q: hidden commands listed: %q", args, out)
		}
		if errOut != "" {
			t.Errorf("%q: stderr = %q", args, errOut)
		}
	}
	// No command at all is a mistake: the list goes to stderr, exit 2.
	code, out, errOut := runCLI()
	if code != 2 || out != "" || !strings.Contains(errOut, "Usage: spindle COMMAND") {
		t.Errorf("no command: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestRunUnknownCommand(t *testing.T) {
	code, out, errOut := runCLI("frobnicate", "x")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut, `unknown command "frobnicate"`) || !strings.Contains(errOut, "spindle help") {
		t.Errorf("stderr = %q", errOut)
	}
	if strings.Contains(errOut, "did you mean") {
		t.Errorf("suggestion for a word close to no command: %q", errOut)
	}
	if out != "" {
		t.Errorf("stdout = %q", out)
	}
}

func TestRunVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errOut := runCLI(args...)
		if code != 0 || errOut != "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
		// go test builds without a module version; the line still says
		// which Go built it, for which platform.
		want := "spindle " + version + " ("
		if !strings.HasPrefix(out, want) || !strings.Contains(out, runtime.GOOS+"/"+runtime.GOARCH) || strings.Count(out, "\n") != 1 {
			t.Errorf("%q: stdout %q, want one line starting %q", args, out, want)
		}
	}
	code, _, errOut := runCLI("version", "extra")
	if code != 2 || !strings.Contains(errOut, `version takes no arguments, not "extra"`) {
		t.Errorf("version extra: exit %d, stderr %q", code, errOut)
	}
}

func TestRunSubmitHelpAndBadFlag(t *testing.T) {
	noHadoopEnv(t)
	code, out, errOut := runCLI("submit", "--help")
	if code != 0 || !strings.Contains(out, "Usage: spindle submit") || !strings.Contains(out, "--num-executors int") || errOut != "" {
		t.Errorf("submit --help: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = runCLI("submit", "--no-such-flag", "app")
	if code != 2 || !strings.Contains(errOut, "spindle submit: unknown flag --no-such-flag") || !strings.Contains(errOut, "spindle help submit") {
		t.Errorf("bad flag: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI("submit", "--num-executors", "three", "app")
	if code != 2 || !strings.Contains(errOut, `--num-executors "three": want a whole number`) {
		t.Errorf("--num-executors three: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI("submit", "--num-executors", "-1", "app")
	if code != 1 || !strings.Contains(errOut, "--num-executors") || !strings.Contains(errOut, "spindle.executor.instances") {
		t.Errorf("--num-executors -1: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI("submit", "--master", "mesos://x", "app")
	if code != 1 || !strings.Contains(errOut, `--master "mesos://x"`) {
		t.Errorf("bad master: exit %d, stderr %q", code, errOut)
	}
}

func TestRunSubmitYarnWithoutConfig(t *testing.T) {
	noHadoopEnv(t)
	code, out, errOut := runCLI("submit", "--master", "yarn", "/bin/true")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut, "spindle submit:") || !strings.Contains(errOut, "HADOOP_CONF_DIR") {
		t.Errorf("stderr does not explain HADOOP_CONF_DIR: %q", errOut)
	}
	if out != "" {
		t.Errorf("stdout = %q", out)
	}
}

func TestRunSubmitLocalMissingApp(t *testing.T) {
	noHadoopEnv(t)
	code, _, errOut := runCLI("submit", "--master", "local[1]", filepath.Join(t.TempDir(), "absent"))
	if code != 1 || !strings.Contains(errOut, "does not exist") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI("submit", "--master", "local[x]", "/bin/true")
	if code != 1 || !strings.Contains(errOut, "local[N]") {
		t.Errorf("local[x]: exit %d, stderr %q", code, errOut)
	}
}

func TestRunSubmitLocalPi(t *testing.T) {
	if testing.Short() {
		t.Skip("builds examples/pi")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	noHadoopEnv(t)
	pi := filepath.Join(t.TempDir(), "pi")
	build := exec.Command(gobin, "build", "-o", pi, "./examples/pi")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build examples/pi: %v\n%s", err, out)
	}
	start := time.Now()
	code, out, errOut := runCLI("submit", "--master", "local[2]", pi, "1000")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "Pi is roughly") || !strings.Contains(out, "2000 samples from 2 executors") {
		t.Errorf("stdout = %q", out)
	}
	if !strings.Contains(errOut, "[executor 1]") || !strings.Contains(errOut, "[executor 2]") {
		t.Errorf("executors' output not prefixed on stderr: %q", errOut)
	}
	if !strings.Contains(errOut, "running locally") {
		t.Errorf("no local-mode notice on stderr: %q", errOut)
	}
	t.Logf("local pi took %s", time.Since(start))
}

func TestRunSubmitLocalDriverExitCode(t *testing.T) {
	noHadoopEnv(t)
	app := filepath.Join(t.TempDir(), "exit3.sh")
	script := "#!/bin/sh\n" +
		"if [ \"$SPINDLE_ROLE\" = executor ]; then echo \"executor $SPINDLE_EXECUTOR_ID\"; exit 0; fi\n" +
		"echo \"driver of $SPINDLE_APP_ID with $1\"\n" +
		"exit 3\n"
	if err := os.WriteFile(app, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("submit", "--master", "local[1]", app, "arg1")
	if code != 3 {
		t.Errorf("exit %d, want the driver's 3\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "driver of local-") || !strings.Contains(out, "with arg1") {
		t.Errorf("driver output = %q", out)
	}
	if !strings.Contains(errOut, "exited with code 3") {
		t.Errorf("stderr does not report the driver's exit: %q", errOut)
	}
}

func TestRunSubmitLocalDriverSucceedsWithEnvAndProperties(t *testing.T) {
	noHadoopEnv(t)
	dir := t.TempDir()
	app := filepath.Join(dir, "show.sh")
	script := "#!/bin/sh\n" +
		"[ \"$SPINDLE_ROLE\" = executor ] && exit 0\n" +
		"echo \"role=$SPINDLE_ROLE greeting=$GREETING from=$FROM secret=${#SPINDLE_SECRET} url=$SPINDLE_AM_URL\"\n"
	if err := os.WriteFile(app, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	confDir := t.TempDir()
	props := "spindle.master local[1]\nspindle.env.FROM=properties\nspindle.env.GREETING=overridden\n"
	if err := os.WriteFile(filepath.Join(confDir, "spindle-defaults.conf"), []byte(props), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SPINDLE_CONF_DIR", confDir)
	code, out, errOut := runCLI("submit", "--env", "GREETING=hello", app)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "role=driver greeting=hello from=properties secret=64 url=http://127.0.0.1:") {
		t.Errorf("driver saw %q", out)
	}
}
