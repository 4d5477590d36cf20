//go:build integration

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// When YARN cannot localize a resource (here an archive on HDFS, used in
// place, that is not an archive), the client prints YARN's reason, not just
// the exit code -1000.
func TestE2ELocalizationFailureReason(t *testing.T) {
	needCluster(t)
	if _, err := exec.LookPath("hdfs"); err != nil {
		t.Skip("the hdfs command is not on PATH: it puts the bad archive on HDFS")
	}
	cl := e2eCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	fsys, _ := e2eStaging(t, "x")
	if fsys == nil {
		t.Fatal("no staging filesystem")
	}
	defer fsys.Close()
	local := filepath.Join(t.TempDir(), "bad.tgz")
	if err := os.WriteFile(local, []byte("this is not a gzip file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	remote := fsys.Home(ctx) + "/spindle-e2e-bad-" + strconv.FormatInt(time.Now().UnixNano(), 10) + ".tgz"
	if out, err := exec.CommandContext(ctx, "hdfs", "dfs", "-put", "-f", local, fsys.URL(remote)).CombinedOutput(); err != nil {
		t.Fatalf("hdfs dfs -put: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("hdfs", "dfs", "-rm", "-f", fsys.URL(remote)).Run() })
	args := append([]string{"submit", "--master", "yarn", "--deploy-mode", "cluster", "--num-executors", "1", "--max-app-attempts", "1",
		"--archives", fsys.URL(remote) + "#pbad"}, e2eSizes...)
	p := startSpindle(t, nil, append(args, e2e.sleeper, "1s")...)
	trackApp(t, cl, p.waitOutput(t, ctx, submittedRE)[1])
	code := p.wait(t, ctx)
	line := regexp.MustCompile(`.*exitCode: -1000.*`).FindString(p.stderr())
	t.Logf("spindle exited %d; it printed: %s", code, line)
	if code == 0 {
		t.Errorf("spindle exited 0 for an application whose archive YARN could not unpack")
	}
	if !regexp.MustCompile(`exitCode: -1000: Download and unpack failed`).MatchString(line) {
		t.Errorf("spindle did not print YARN's reason after exit code -1000:\n%s", p.stderr())
	}
}
