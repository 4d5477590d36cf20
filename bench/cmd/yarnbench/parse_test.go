package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Hermetic tests of the parsing and statistics; the benchmark itself needs a
// cluster and runs only as a program (or under the integration tag).

func TestParseStatCPU(t *testing.T) {
	stat := "4242 (spindle (am)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 37 5 0 0 20 0 9 0 123456 800000000 4000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	got, err := parseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 420 * time.Millisecond; got != want {
		t.Errorf("cpu = %v, want %v", got, want)
	}
	if _, err := parseStatCPU("garbage"); err == nil {
		t.Error("no error for garbage")
	}
}

func TestParseVmHWM(t *testing.T) {
	got, err := parseVmHWM("Name:\tspindle\nVmPeak:\t  800000 kB\nVmHWM:\t   15360 kB\nVmRSS:\t 15000 kB\n")
	if err != nil || got != 15360 {
		t.Errorf("VmHWM = %d, %v; want 15360", got, err)
	}
	if _, err := parseVmHWM("Name:\tzombie\nState:\tZ (zombie)\n"); err == nil {
		t.Error("no error without VmHWM")
	}
}

func TestAMContainerID(t *testing.T) {
	got, err := amContainerID("application_1795211786074_0011")
	if err != nil || got != "container_1795211786074_0011_01_000001" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := amContainerID("container_1_2_01_000001"); err == nil {
		t.Error("no error for a container id")
	}
}

func TestHasContainerID(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "environ")
	env := "PATH=/bin\x00CONTAINER_ID=container_1_0002_01_000001\x00NM_HOST=localhost\x00"
	if err := os.WriteFile(p, []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	if !hasContainerID(p, "container_1_0002_01_000001") {
		t.Error("not found")
	}
	if hasContainerID(p, "container_1_0002_01_00000") || hasContainerID(p, "container_1_0002_01_000002") {
		t.Error("prefix or other id matched")
	}
	// After an RM restart with recovery the container carries the RM's epoch.
	epoch := filepath.Join(dir, "environ-epoch")
	if err := os.WriteFile(epoch, []byte("CONTAINER_ID=container_e03_1_0002_01_000001\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !hasContainerID(epoch, "container_1_0002_01_000001") || hasContainerID(epoch, "container_1_0002_01_000002") {
		t.Error("epoch container id: wrong match")
	}
}

func TestClientOutputPatterns(t *testing.T) {
	for line, want := range map[string]string{
		`time="22:07:22.256" level=info msg="submitted application_1795211786074_0011 to queue default in 202ms (cluster mode)"`: "application_1795211786074_0011",
		`2026-11-20 22:10:04,967 INFO impl.YarnClientImpl: Submitted application application_1795211786074_0020`:                 "application_1795211786074_0020",
	} {
		m := submittedRE.FindStringSubmatch(line)
		if m == nil || m[1] != want {
			t.Errorf("%q: got %v, want %s", line, m, want)
		}
	}
	got := parseStaged([]string{
		`time="x" level=debug msg="staged spindle: cached, 0 bytes uploaded (file:///root/.spindle/cache/c5/spindle)"`,
		`time="x" level=debug msg="staged bigapp.sh: uploaded, 52428800 bytes uploaded (file:///x)"`,
		`time="x" level=debug msg="staged __spindle_conf__: uploaded, 6211 bytes uploaded (file:///y)"`,
		`unrelated`,
	})
	if len(got) != 3 || got["spindle"] != 0 || got["bigapp.sh"] != 52428800 || got["__spindle_conf__"] != 6211 {
		t.Errorf("parseStaged = %v", got)
	}
	if m := executorsRE.FindStringSubmatch("FINISHED/SUCCEEDED: all 32 executors completed"); m == nil || m[1] != "32" {
		t.Errorf("executors: %v", m)
	}
}

func TestEarliestMark(t *testing.T) {
	p := filepath.Join(t.TempDir(), "first")
	if err := os.WriteFile(p, []byte("1795212442878000002\n1795212442878000001\n\nnoise\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := earliestMark(p)
	if err != nil || got != 1795212442878000001 {
		t.Errorf("got %d, %v", got, err)
	}
}

func TestMedianAndReport(t *testing.T) {
	if m, ok := median([]float64{3, 1, 2}); !ok || m != 2 {
		t.Errorf("median odd = %v", m)
	}
	if m, ok := median([]float64{4, 1, 2, 3}); !ok || m != 2.5 {
		t.Errorf("median even = %v", m)
	}
	if _, ok := median(nil); ok {
		t.Error("median of nothing")
	}
	rs := []result{
		{Tool: toolSpindle, Scenario: "scale", N: 32, Total: 10 * time.Second, ExitCode: 0},
		{Tool: toolSpindle, Scenario: "scale", N: 32, Total: 12 * time.Second, ExitCode: 0},
		{Tool: toolSpindle, Scenario: "scale", N: 32, Total: 99 * time.Second, ExitCode: 1},
		{Tool: toolDS, Scenario: "scale", N: 32, Total: 40 * time.Second, ExitCode: 0},
		{Tool: toolDS, Scenario: "scale", N: 32, Total: 1 * time.Second, Warmup: true},
	}
	v := measure(rs, cell{tool: toolSpindle, scenario: "scale", n: 32, iter: allIters}, mTotal())
	if !v.ok || v.v != 11 || v.n != 2 || v.total != 3 {
		t.Errorf("spindle cell = %+v", v)
	}
	d := measure(rs, cell{tool: toolDS, scenario: "scale", n: 32, iter: allIters}, mTotal())
	if ratio(v, d) != "0.28" {
		t.Errorf("ratio = %s", ratio(v, d))
	}
	if out := report(rs, "- setup\n"); len(out) == 0 {
		t.Error("empty report")
	}
}

// The targets' rows: met, not met, and unknown when a scenario did not run.
func TestReportTargets(t *testing.T) {
	am := func(rssMB int64, cpu time.Duration) amStats {
		return amStats{Found: true, PeakRSS: rssMB << 20, CPU: cpu}
	}
	rs := []result{
		{Tool: toolSpindle, Scenario: "scale", N: 32, Total: 5 * time.Second},
		{Tool: toolDS, Scenario: "scale", N: 32, Total: 20 * time.Second},
		{Tool: toolSpindle, Scenario: "multi", N: 128, Total: 30 * time.Second, AM: am(20, 256*time.Millisecond)},
		{Tool: toolDS, Scenario: "multi", N: 128, Total: 60 * time.Second},
	}
	var sb strings.Builder
	reportTargets(&sb, rs)
	out := sb.String()
	for _, want := range []string{
		"| N=32 on one NodeManager: at most 0.25 of DistributedShell's time | 5.00 s vs 20.0 s = 0.25 | yes |",
		"| N=128 over several NodeManagers: at most 0.25 of DistributedShell's time | 30.0 s vs 60.0 s = 0.50 | NO |",
		"| AM peak RSS at N=128 under 25 MB | 20.0 MB | yes |",
		"| AM CPU per container at N=128 under 1 ms | 2.00 ms | NO |",
		"| submit latency (start → accepted, cached binary) under 0.3 s | – | – |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("targets lack %q:\n%s", want, out)
		}
	}
}

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-runs", "3", "-n", "1,4", "-scenarios", "scale", "-tools", "spindle"})
	if err != nil {
		t.Fatal(err)
	}
	if c.runs != 3 || len(c.ns) != 2 || !c.scenarios["scale"] || c.scenarios["upload"] || !c.tools[toolSpindle] || c.tools[toolDS] {
		t.Errorf("config = %+v", c)
	}
	for _, bad := range [][]string{{"-n", "0"}, {"-scenarios", "nope"}, {"-runs", "0"}, {"extra"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
