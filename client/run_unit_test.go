package client

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
)

func TestOutcomeExitCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Outcome
		want int
	}{
		{"interrupted", Outcome{Interrupted: true, Driver: &DriverResult{ExitCode: 143}}, 130},
		{"no wait", Outcome{Submitted: true}, 0},
		{"cluster succeeded", Outcome{Report: &Report{State: "FINISHED", FinalStatus: "SUCCEEDED"}, Succeeded: true}, 0},
		{"cluster failed", Outcome{Report: &Report{State: "FINISHED", FinalStatus: "FAILED"}}, 1},
		{"driver code", Outcome{Driver: &DriverResult{ExitCode: 3}}, 3},
		{"driver 0, app failed", Outcome{Driver: &DriverResult{}}, 1},
		{"driver 0, app succeeded", Outcome{Driver: &DriverResult{}, Succeeded: true}, 0},
	} {
		if got := tc.o.ExitCode(); got != tc.want {
			t.Errorf("%s: ExitCode = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func quietRunConfig(stdout io.Writer) RunConfig {
	log := logrus.New()
	log.SetOutput(io.Discard)
	return RunConfig{Log: log, Stdin: strings.NewReader(""), Stdout: stdout, Stderr: io.Discard}
}

// TestRunLocalProgramDriver: local mode runs the program through the driver
// runner with the driver's environment; its exit code is the outcome's.
func TestRunLocalProgramDriver(t *testing.T) {
	app := filepath.Join(t.TempDir(), "app.sh")
	script := "#!/bin/sh\n[ \"$SPINDLE_ROLE\" = executor ] && exit 0\necho \"$SPINDLE_ROLE $GREETING $1\"\nexit 4\n"
	if err := os.WriteFile(app, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	opts := &Options{Master: "local[1]", App: app, AppArgs: []string{"arg"}, Env: map[string]string{"GREETING": "hi"}}
	o, err := Run(context.Background(), nil, opts, quietRunConfig(&out))
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "driver hi arg\n" || o.ExitCode() != 4 || o.Succeeded || !strings.Contains(o.Diagnostics, "exited with code 4") {
		t.Errorf("output %q, outcome %+v, driver %+v", out.String(), o, o.Driver)
	}
}

// TestRunLocalDriverFunc: a DriverFunc is the driver; its reported outcome
// ends the application, and Run does not report it again.
func TestRunLocalDriverFunc(t *testing.T) {
	cfg := quietRunConfig(io.Discard)
	var got Driver
	cfg.Driver = func(ctx context.Context, d Driver) DriverResult {
		got = d
		c, err := connectSDK(d)
		if err != nil {
			return DriverResult{ExitCode: 1, Diagnostics: err.Error()}
		}
		if err := c.Finish(ctx, 0, "done by the function"); err != nil {
			return DriverResult{ExitCode: 1, Diagnostics: err.Error()}
		}
		return DriverResult{Diagnostics: "done by the function", Reported: true}
	}
	opts := &Options{Master: "local[2]", ExecutorCommand: []string{"/bin/sh", "-c", "exec sleep 30"}}
	o, err := Run(context.Background(), nil, opts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got.Executors != 2 || got.Env.Role != "driver" || got.AppEnded != nil {
		t.Errorf("the function got %+v", got)
	}
	if o.ExitCode() != 0 || !o.Succeeded || o.Diagnostics != "done by the function" {
		t.Errorf("outcome %+v", o)
	}
}

func TestRunWithoutConf(t *testing.T) {
	_, err := Run(context.Background(), nil, &Options{Master: "yarn", App: "/bin/true"}, quietRunConfig(io.Discard))
	if err == nil || !strings.Contains(err.Error(), "HADOOP_CONF_DIR") {
		t.Errorf("err = %v", err)
	}
}

func connectSDK(d Driver) (*container.Client, error) { return container.Connect(d.Env) }

// TestBuildGoPackageNotMain: a directory of a library package is an error
// saying so, before anything is built.
func TestBuildGoPackageNotMain(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lib.go"), []byte("package mylib\n\nfunc X() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := BuildGoPackage(context.Background(), dir, "linux", "amd64", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "package mylib, not a main package") {
		t.Errorf("err = %v", err)
	}
}

func TestSummary(t *testing.T) {
	d := "Application application_1_0001 failed 2 times due to AM Container for appattempt_1_0001_000002 exited with  exitCode: -1000\n" +
		"Failing this attempt.Diagnostics: [2024-05-06 07:08:09.123]Download and unpack failed: java.util.zip.ZipException: zip END header not found\n" +
		"java.io.IOException: ...\nFor more detailed output, check the application tracking page"
	want := "Application application_1_0001 failed 2 times due to AM Container for appattempt_1_0001_000002 exited with  exitCode: -1000: Download and unpack failed: java.util.zip.ZipException: zip END header not found"
	if got := Summary(d); got != want {
		t.Errorf("Summary =\n%q\nwant\n%q", got, want)
	}
	if got := Summary("the driver exited 0 [driver exit code 0]"); got != "the driver exited 0 [driver exit code 0]" {
		t.Errorf("Summary = %q", got)
	}
}

func TestSummaryJavaStackTrace(t *testing.T) {
	d := "Application application_1_0047 failed 1 times due to AM Container for appattempt_1_0047_000001 exited with  exitCode: -1000\n" +
		"Failing this attempt.Diagnostics: [2026-12-01 16:58:58.115]\njava.lang.reflect.UndeclaredThrowableException\n" +
		"\tat org.apache.hadoop.security.UserGroupInformation.doAs(UserGroupInformation.java:1780)\n" +
		"Caused by: org.apache.hadoop.yarn.exceptions.YarnException: Download and unpack failed\n" +
		"\tat org.apache.hadoop.yarn.util.FSDownload.downloadAndUnpack(FSDownload.java:310)\n\t... 10 more\n" +
		"Caused by: java.io.IOException: Error executing command. gzip -dc | (cd 'x' && tar -x ) Process exited with exit code 2.\n" +
		"\tat org.apache.hadoop.fs.FileUtil.runCommandOnStream(FileUtil.java:803)\n"
	want := "Application application_1_0047 failed 1 times due to AM Container for appattempt_1_0047_000001 exited with  exitCode: -1000: " +
		"Download and unpack failed: Error executing command. gzip -dc | (cd 'x' && tar -x ) Process exited with exit code 2."
	if got := Summary(d); got != want {
		t.Errorf("Summary =\n%q\nwant\n%q", got, want)
	}
}
