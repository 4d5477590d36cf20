//go:build integration

package shell_test

// The shell against the real YARN test cluster: the spindle binary, built here,
// runs `spindle shell` with piped commands. It needs HADOOP_CONF_DIR:
//
//	source <(/work/shared/yarn-testcluster/env.sh)
//	go test -tags integration -run Shell -v ./client/shell/

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// buildSpindle builds a static spindle with a version of its own into a temporary
// directory, and removes its binary-cache entry (~/.spindle/cache/<sha256>) at
// the end of the test, since no other run can use it.
func buildSpindle(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "spindle")
	cmd := exec.Command("go", "build", "-o", bin,
		"-ldflags", fmt.Sprintf("-X main.version=shell-it-%d", time.Now().UnixNano()),
		"github.com/spindle-yarn/spindle/cmd/spindle")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := os.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if home, err := os.UserHomeDir(); err == nil {
		t.Cleanup(func() { os.RemoveAll(filepath.Join(home, ".spindle", "cache", sum)) })
	}
	return bin
}

// shellRun is one `spindle shell` run.
type shellRun struct {
	stdout, stderr string
	exitCode       int
	app            client.ApplicationID
}

// runShell runs spindle shell with input on its stdin.
func runShell(t *testing.T, bin, input string, args ...string) shellRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"shell", "--master", "yarn"}, args...)...)
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := shellRun{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.exitCode = ee.ExitCode()
	case err != nil:
		t.Fatalf("run spindle shell: %v\nstderr:\n%s", err, r.stderr)
	}
	m := regexp.MustCompile(`submitted (application_\d+_\d+)`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no application id in stderr:\n%s", r.stderr)
	}
	if r.app, err = client.ParseApplicationID(m[1]); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: exit code %d\nstdout:\n%sstderr:\n%s", r.app, r.exitCode, r.stdout, r.stderr)
	return r
}

// checkEnded checks that the application ended FINISHED/SUCCEEDED and left no
// staging directory.
func checkEnded(t *testing.T, cl *client.Cluster, id client.ApplicationID) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := cl.Report(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Succeeded() || !strings.Contains(rep.Diagnostics, "shell session ended") {
		t.Errorf("%s ended %s/%s: %s", id, rep.State, rep.FinalStatus, rep.Diagnostics)
	}
	fsys, err := staging.Open(ctx, cl.Conf(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	dir := staging.StagingDir(fsys.Home(ctx), id.String())
	if _, err := fsys.Stat(ctx, dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("staging directory %s is still there (%v)", fsys.URL(dir), err)
	}
}

func TestShellOnYARN(t *testing.T) {
	if os.Getenv("HADOOP_CONF_DIR") == "" {
		t.Skip("HADOOP_CONF_DIR is not set: source <(/work/shared/yarn-testcluster/env.sh)")
	}
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.Connect(conf)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	bin := buildSpindle(t)
	hostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("HostnameScaleExecutors", func(t *testing.T) {
		r := runShell(t, bin, "hostname\n:executors\n:scale 5\n:executors\n", "--num-executors", "3", "--executor-memory", "128m")
		if r.exitCode != 0 {
			t.Errorf("exit code %d, want 0", r.exitCode)
		}
		// Three hostname lines, in executor order, then two tables.
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		prefixed := regexp.MustCompile(`^\[(\d+) (\S+)\] (.*)$`)
		var ids []string
		for _, l := range lines {
			if m := prefixed.FindStringSubmatch(l); m != nil {
				ids = append(ids, m[1])
				if m[3] != hostname {
					t.Errorf("line %q: want the node's hostname %q", l, hostname)
				}
			}
		}
		if strings.Join(ids, ",") != "1,2,3" {
			t.Errorf("hostname lines from executors %v, want 1,2,3", ids)
		}
		var tables [][]string
		for _, l := range lines {
			switch {
			case strings.HasPrefix(l, "ID ") && strings.Contains(l, "HOST") && strings.Contains(l, "CONTAINER"):
				tables = append(tables, nil)
			case len(tables) > 0 && !prefixed.MatchString(l):
				tables[len(tables)-1] = append(tables[len(tables)-1], l)
			}
		}
		running := func(rows []string) int {
			n := 0
			for _, row := range rows {
				if f := strings.Fields(row); len(f) == 5 && f[2] == "running" && strings.HasPrefix(f[3], "container_") {
					n++
				}
			}
			return n
		}
		if len(tables) != 2 {
			t.Fatalf("%d executor tables, want 2", len(tables))
		}
		if n := running(tables[0]); n != 3 || len(tables[0]) != 3 {
			t.Errorf("first table: %d rows, %d running; want 3 running:\n%s", len(tables[0]), n, strings.Join(tables[0], "\n"))
		}
		if n := running(tables[1]); n != 5 {
			t.Errorf("after :scale 5: %d running; want 5:\n%s", n, strings.Join(tables[1], "\n"))
		}
		checkEnded(t, cl, r.app)
	})

	t.Run("FailedCommandExitCode", func(t *testing.T) {
		r := runShell(t, bin, "echo ok\nexit 7\n", "--num-executors", "1", "--executor-memory", "128m")
		if r.exitCode != 1 {
			t.Errorf("exit code %d, want 1 (a command failed)", r.exitCode)
		}
		if !strings.Contains(r.stdout, "[1 ") || !strings.Contains(r.stdout, "] ok\n") {
			t.Errorf("stdout %q", r.stdout)
		}
		if !strings.Contains(r.stderr, "] exit code 7") {
			t.Errorf("stderr lacks the exit code")
		}
		checkEnded(t, cl, r.app)
	})
}
