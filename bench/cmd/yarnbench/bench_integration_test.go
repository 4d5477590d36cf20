//go:build integration

package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestSmoke runs the whole program once against the cluster in
// HADOOP_CONF_DIR: one Spindle run of the latency scenario and one of scale
// with N=2 (DistributedShell is left out to keep it short).
//
//	go test -tags integration -run Smoke -v ./bench/cmd/yarnbench/
func TestSmoke(t *testing.T) {
	if os.Getenv("HADOOP_CONF_DIR") == "" && os.Getenv("YARN_CONF_DIR") == "" {
		t.Skip("HADOOP_CONF_DIR is not set")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	md := filepath.Join(t.TempDir(), "out.md")
	args := os.Args
	defer func() { os.Args = args }()
	os.Args = []string{"yarnbench", "-runs", "1", "-warmup", "0", "-tools", "spindle", "-scenarios", "latency,scale",
		"-n", "2", "-spindle-src", root, "-markdown", md, "-pause", "0s"}
	if err := run(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	t.Log(out)
	for _, want := range []string{"| 1 | submit latency", "| 2 | time to first container", "N=2 × `true`", "AM peak RSS"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(out, "did not succeed") {
		t.Error("a run failed")
	}
}
