// Command yarnbench measures Spindle against Hadoop's DistributedShell on a
// YARN cluster (the one HADOOP_CONF_DIR or YARN_CONF_DIR describes) and prints
// a table of medians with the Spindle/DistributedShell ratio.
//
// Scenarios (each run --runs times per tool, tools alternating):
//
//	latency  N=1 executor recording its start time: submit latency (command
//	         start until the application is accepted) and time to the first
//	         executor process
//	scale    N executors running `true` (N from --n): command start until the
//	         client exits; ApplicationMaster peak RSS and CPU; client CPU
//	upload   a --app-mb MB application submitted repeatedly: bytes uploaded
//	         and time, first (cold cache) and repeated
//
// The AM's memory and CPU are read from /proc, and the executors' start times
// from a file under --work, so those two need the NodeManager on this machine
// (as on the single-node test cluster); elsewhere they are reported as n/a.
//
// Usage (from the repository root):
//
//	export HADOOP_CONF_DIR=/etc/hadoop/conf HADOOP_HOME=/path/to/hadoop
//	go run ./bench/cmd/yarnbench -runs 5
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
)

// config is the command line.
type config struct {
	runs, warmup int
	scenarios    map[string]bool
	tools        map[string]bool
	ns           []int
	spindleSrc   string
	spindleBin   string
	dsJar        string
	yarnCmd      string
	timeout      time.Duration
	poll         time.Duration
	amGrace      time.Duration
	pause        time.Duration
	work         string
	keep         bool
	jsonOut      string
	mdOut        string
	execMB       int
	amMB         int
	appMB        int
	queue        string
	maxLoad      float64
	maxLoadWait  time.Duration
	multiN       int
	multiNodes   int
	nodes        int // RUNNING nodes when the benchmark started
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "yarnbench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("yarnbench", flag.ContinueOnError)
	c := &config{}
	var scen, tools, ns string
	fs.IntVar(&c.runs, "runs", 5, "measured runs per scenario and tool")
	fs.IntVar(&c.warmup, "warmup", 1, "unmeasured runs per tool before the latency and scale scenarios")
	fs.StringVar(&scen, "scenarios", "latency,scale,upload", "comma-separated: latency, scale, upload, multi")
	fs.IntVar(&c.multiN, "multi-n", 128, "container count of the multi scenario")
	fs.IntVar(&c.multiNodes, "multi-nodes", 4, "RUNNING NodeManagers the multi scenario needs (it is skipped with fewer)")
	fs.StringVar(&tools, "tools", toolSpindle+","+toolDS, "comma-separated: spindle, dshell")
	fs.StringVar(&ns, "n", "1,8,32", "container counts for the scale scenario")
	fs.StringVar(&c.spindleSrc, "spindle-src", ".", "Spindle source tree to build ./cmd/spindle from (ignored with -spindle-bin)")
	fs.StringVar(&c.spindleBin, "spindle-bin", "", "use this spindle binary instead of building one")
	fs.StringVar(&c.dsJar, "ds-jar", "", "DistributedShell jar (default: $HADOOP_HOME/share/hadoop/yarn/hadoop-yarn-applications-distributedshell-*.jar)")
	fs.StringVar(&c.yarnCmd, "yarn", "", "the yarn command (default: $HADOOP_HOME/bin/yarn, else yarn on PATH)")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "a run taking longer is killed and reported as timed out")
	fs.DurationVar(&c.poll, "poll", 50*time.Millisecond, "/proc polling interval for the ApplicationMaster process")
	fs.DurationVar(&c.amGrace, "am-grace", 20*time.Second, "how long to follow the AM process after the client exited")
	fs.DurationVar(&c.pause, "pause", 2*time.Second, "pause between runs (lets the NodeManager clean up)")
	fs.StringVar(&c.work, "work", "", "work directory (default: a new directory under /tmp; kept with -keep)")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory (client logs of every run)")
	fs.StringVar(&c.jsonOut, "json", "", "also write every run's measurements to this JSON file")
	fs.StringVar(&c.mdOut, "markdown", "", "also write the tables to this Markdown file")
	fs.IntVar(&c.execMB, "container-mb", 128, "memory of each executor container (MB)")
	fs.IntVar(&c.amMB, "am-mb", 256, "memory of the ApplicationMaster container (MB)")
	fs.IntVar(&c.appMB, "app-mb", 50, "size of the application in the upload scenario (MB)")
	fs.StringVar(&c.queue, "queue", "default", "YARN queue")
	fs.Float64Var(&c.maxLoad, "max-load", 0, "before each run, wait until this machine's 1-minute load average is below this (0: do not wait)")
	fs.DurationVar(&c.maxLoadWait, "max-load-wait", 10*time.Minute, "give up waiting for -max-load after this long and run anyway")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if c.scenarios, err = set(scen, "latency", "scale", "upload", "multi"); err != nil {
		return nil, fmt.Errorf("-scenarios: %w", err)
	}
	if c.tools, err = set(tools, toolSpindle, toolDS); err != nil {
		return nil, fmt.Errorf("-tools: %w", err)
	}
	for _, s := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-n: %q is not a positive count", s)
		}
		c.ns = append(c.ns, n)
	}
	if c.runs < 1 {
		return nil, errors.New("-runs must be at least 1")
	}
	return c, nil
}

func set(list string, allowed ...string) (map[string]bool, error) {
	m := map[string]bool{}
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || s == a
		}
		if !ok {
			return nil, fmt.Errorf("unknown %q (want %s)", s, strings.Join(allowed, ", "))
		}
		m[s] = true
	}
	return m, nil
}

func run() error {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		return err
	}
	webs, err := conf.RMWebAddresses()
	if err != nil || len(webs) == 0 {
		return fmt.Errorf("find the ResourceManager web address: %v", err)
	}
	rm := newRMREST(conf.WebAppScheme()+"://"+webs[0], conf.User())
	ictx, cancel := context.WithTimeout(ctx, 20*time.Second)
	cinfo, err := rm.Info(ictx)
	cancel()
	if err != nil {
		return fmt.Errorf("the ResourceManager's REST API at %s: %w", rm.base, err)
	}
	localFS := false
	if u, err := conf.DefaultFS(); err == nil && u.Scheme == "file" {
		localFS = true
	}

	if cfg.work == "" {
		if cfg.work, err = os.MkdirTemp("", "yarnbench-"); err != nil {
			return err
		}
	}
	if !cfg.keep {
		defer os.RemoveAll(cfg.work)
	}
	logDir := filepath.Join(cfg.work, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	out := os.Stdout
	fmt.Fprintf(out, "yarnbench: cluster %s (%s, %d node(s), %d MB, %d vcores); work dir %s\n",
		rm.base, cinfo.RMVersion, cinfo.Nodes, cinfo.MemoryMB, cinfo.VCores, cfg.work)
	cfg.nodes = cinfo.Nodes
	if cfg.scenarios["multi"] && cinfo.Nodes < cfg.multiNodes {
		fmt.Fprintf(out, "yarnbench: skipping the multi scenario: it needs %d RUNNING NodeManagers and the cluster has %d (the test cluster's add-nm.sh starts more)\n",
			cfg.multiNodes, cinfo.Nodes)
		delete(cfg.scenarios, "multi")
	}

	var cleanupCache []string
	env := os.Environ()
	b := &bench{cfg: cfg, rm: rm, out: out, localFS: localFS}
	b.runner = &runner{rm: rm, logDir: logDir, timeout: cfg.timeout, poll: cfg.poll, amGrace: cfg.amGrace, env: env, progress: out}
	if err := b.prepareFiles(); err != nil {
		return err
	}
	if cfg.tools[toolSpindle] {
		bins, err := b.prepareSpindle(ctx)
		if err != nil {
			return err
		}
		cleanupCache = bins
	}
	if cfg.tools[toolDS] {
		if err := b.prepareDS(); err != nil {
			return err
		}
	}
	defer func() {
		if localFS {
			removeCacheEntries(cleanupCache)
		}
	}()

	if err := b.writeResults(b.runAll(ctx), cinfo); err != nil {
		return err
	}
	return ctx.Err()
}

// writeResults writes the results as JSON (--json) and prints, and writes
// (--md), the Markdown report.
func (b *bench) writeResults(results []result, cinfo *clusterInfo) error {
	if b.cfg.jsonOut != "" {
		data, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(b.cfg.jsonOut, data, 0o644); err != nil {
			return err
		}
	}
	md := report(results, b.describe(cinfo))
	fmt.Fprintln(b.out)
	fmt.Fprint(b.out, md)
	if b.cfg.mdOut != "" {
		return os.WriteFile(b.cfg.mdOut, []byte(md), 0o644)
	}
	return nil
}

// bench holds what the runs share.
type bench struct {
	cfg     *config
	rm      *rmREST
	runner  *runner
	out     io.Writer
	localFS bool

	markScript string // appends `date +%s%N` to $1
	app        string // the upload scenario's application
	spindle    string // binary for latency and scale
	spindleUp  string // binary for upload (its own cache entry, so the first run is cold)
	yarn       string
	dsJar      string
	spindleVer string
}

// prepareFiles writes the marker script and the upload scenario's application.
func (b *bench) prepareFiles() error {
	b.markScript = filepath.Join(b.cfg.work, "mark.sh")
	if err := os.WriteFile(b.markScript, []byte("#!/bin/sh\ndate +%s%N >> \"$1\"\n"), 0o755); err != nil {
		return err
	}
	if !b.cfg.scenarios["upload"] {
		return nil
	}
	// A shell script that exits at once, padded with comment lines of random
	// base64 (incompressible-ish) to the requested size.
	b.app = filepath.Join(b.cfg.work, "bigapp.sh")
	f, err := os.OpenFile(b.app, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	size := int64(b.cfg.appMB) << 20
	w := int64(0)
	n, _ := io.WriteString(f, "#!/bin/sh\nexit 0\n")
	w += int64(n)
	raw := make([]byte, 57*64)
	line := make([]byte, 0, 80)
	for w < size {
		if _, err := rand.Read(raw); err != nil {
			f.Close()
			return err
		}
		for i := 0; i < len(raw) && w < size; i += 57 {
			line = append(line[:0], '#')
			line = base64.StdEncoding.AppendEncode(line, raw[i:i+57])
			line = append(line, '\n')
			if rem := size - w; int64(len(line)) > rem {
				line = line[:rem]
				if rem > 0 {
					line[rem-1] = '\n'
				}
			}
			n, err := f.Write(line)
			if err != nil {
				f.Close()
				return err
			}
			w += int64(n)
		}
	}
	return f.Close()
}

// prepareSpindle builds (or copies) the spindle binary and makes two copies
// with distinct trailing nonces: an ELF executable ignores bytes after its
// sections, and distinct contents give distinct binary-cache entries, so the
// upload scenario's first submission is a real cold upload. It returns the
// binaries' cache keys (SHA-256) for removal at the end.
func (b *bench) prepareSpindle(ctx context.Context) ([]string, error) {
	src := b.cfg.spindleBin
	if src == "" {
		src = filepath.Join(b.cfg.work, "spindle-build")
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", src, "./cmd/spindle")
		cmd.Dir = b.cfg.spindleSrc
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		fmt.Fprintf(b.out, "building spindle in %s\n", b.cfg.spindleSrc)
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("build spindle: %w", err)
		}
		if rev, err := exec.CommandContext(ctx, "git", "-C", b.cfg.spindleSrc, "describe", "--always", "--dirty").Output(); err == nil {
			b.spindleVer = strings.TrimSpace(string(rev))
		}
	}
	var sums []string
	for i, dst := range []*string{&b.spindle, &b.spindleUp} {
		dir := filepath.Join(b.cfg.work, fmt.Sprintf("bin%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		*dst = filepath.Join(dir, "spindle")
		sum, err := copyWithNonce(src, *dst)
		if err != nil {
			return nil, fmt.Errorf("copy the spindle binary: %w", err)
		}
		sums = append(sums, sum)
	}
	return sums, nil
}

// copyWithNonce copies an executable and appends random bytes; it returns the
// copy's SHA-256.
func copyWithNonce(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	w := io.MultiWriter(out, h)
	if _, err := io.Copy(w, in); err != nil {
		out.Close()
		return "", err
	}
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		out.Close()
		return "", err
	}
	if _, err := w.Write(nonce); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// removeCacheEntries deletes the bench's own binaries from Spindle's binary
// cache (<home>/.spindle/cache/<sha256>/) on a file:// default filesystem.
func removeCacheEntries(sums []string) {
	home, err := os.UserHomeDir()
	if err != nil {
		return
	}
	for _, s := range sums {
		if len(s) == 64 {
			_ = os.RemoveAll(filepath.Join(home, ".spindle", "cache", s))
		}
	}
}

func (b *bench) prepareDS() error {
	hh := os.Getenv("HADOOP_HOME")
	b.yarn = b.cfg.yarnCmd
	if b.yarn == "" {
		if hh != "" {
			b.yarn = filepath.Join(hh, "bin", "yarn")
		} else if p, err := exec.LookPath("yarn"); err == nil {
			b.yarn = p
		} else {
			return errors.New("no yarn command: set HADOOP_HOME or -yarn")
		}
	}
	b.dsJar = b.cfg.dsJar
	if b.dsJar == "" {
		m, _ := filepath.Glob(filepath.Join(hh, "share", "hadoop", "yarn", "hadoop-yarn-applications-distributedshell-*.jar"))
		if len(m) == 0 {
			return errors.New("no DistributedShell jar under $HADOOP_HOME/share/hadoop/yarn: set -ds-jar")
		}
		b.dsJar = m[0]
	}
	if _, err := os.Stat(b.dsJar); err != nil {
		return err
	}
	return nil
}

// spindleJob is `spindle submit` in cluster mode with the scenario's sizes.
func (b *bench) spindleJob(bin, scenario string, n int, extra ...string) []string {
	argv := []string{bin, "submit", "--master", "yarn", "--deploy-mode", "cluster", "--queue", b.cfg.queue,
		"--name", appName(scenario), "--num-executors", strconv.Itoa(n),
		"--executor-memory", fmt.Sprintf("%dm", b.cfg.execMB), "--driver-memory", fmt.Sprintf("%dm", b.cfg.amMB)}
	return append(argv, extra...)
}

// trueJob is a scenario's run of N containers each running `true`, for
// either tool.
func (b *bench) trueJob(scenario string, n int) func(tool string) job {
	return func(tool string) job {
		if tool == toolSpindle {
			return job{Tool: tool, Scenario: scenario, N: n,
				Argv: b.spindleJob(b.spindle, scenario, n, "--executor-command", "true")}
		}
		return job{Tool: tool, Scenario: scenario, N: n, Cleanup: b.dsCleanup(appName(scenario)),
			Argv: b.dsJob(scenario, n, "-shell_command", "true")}
	}
}

// appName is the YARN application name of a scenario's runs.
func appName(scenario string) string { return "yarnbench-" + scenario }

// dsJob is DistributedShell's client with the scenario's sizes.
func (b *bench) dsJob(scenario string, n int, extra ...string) []string {
	argv := []string{b.yarn, "jar", b.dsJar, "-jar", b.dsJar, "-appname", appName(scenario), "-queue", b.cfg.queue,
		"-num_containers", strconv.Itoa(n), "-container_memory", strconv.Itoa(b.cfg.execMB),
		"-master_memory", strconv.Itoa(b.cfg.amMB)}
	return append(argv, extra...)
}

// dsStaging is where DistributedShell's client copies its files on a local
// default filesystem: $HOME/<application name>/<appId>.
func (b *bench) dsStaging(appName, appID string) string {
	home, err := os.UserHomeDir()
	if err != nil || !b.localFS {
		return ""
	}
	return filepath.Join(home, appName, appID)
}

// dsUploaded returns the function summing the files DistributedShell's client
// wrote for an application named appName (not their .crc checksums).
func (b *bench) dsUploaded(appName string) func(appID string) map[string]int64 {
	return func(appID string) map[string]int64 {
		dir := b.dsStaging(appName, appID)
		if dir == "" {
			return nil
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil
		}
		out := map[string]int64{}
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".crc") {
				continue
			}
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
				out[e.Name()] = fi.Size()
			}
		}
		return out
	}
}

// dsCleanup returns the function removing the staging directory of an
// application named appName (DistributedShell leaves it behind), and its
// parent once empty.
func (b *bench) dsCleanup(appName string) func(appID string) {
	return func(appID string) {
		dir := b.dsStaging(appName, appID)
		if dir == "" || !anyAppIDRE.MatchString(filepath.Base(dir)) {
			return
		}
		_ = os.RemoveAll(dir)
		_ = os.Remove(filepath.Dir(dir)) // fails while not empty
	}
}

// jobs lists every run in order: per iteration, the tools alternate which
// goes first, so that drifting background load hits both alike.
func (b *bench) jobs() []job {
	var tools []string
	for _, t := range []string{toolSpindle, toolDS} {
		if b.cfg.tools[t] {
			tools = append(tools, t)
		}
	}
	var out []job
	add := func(iter int, warm bool, mk func(tool string) job) {
		order := tools
		if iter%2 == 1 && len(tools) == 2 {
			order = []string{tools[1], tools[0]}
		}
		for _, t := range order {
			j := mk(t)
			j.Iter, j.Warmup = iter, warm
			out = append(out, j)
		}
	}
	if b.cfg.scenarios["upload"] {
		// Iteration 0 is the first (cold) submission; the rest repeat it.
		for i := 0; i <= b.cfg.runs; i++ {
			add(i, false, func(tool string) job {
				if tool == toolSpindle {
					return job{Tool: tool, Scenario: "upload", N: 1,
						Argv: b.spindleJob(b.spindleUp, "upload", 1, "-v", b.app)}
				}
				return job{Tool: tool, Scenario: "upload", N: 1, Argv: b.dsJob("upload", 1, "-shell_script", b.app),
					Uploaded: b.dsUploaded(appName("upload")), Cleanup: b.dsCleanup(appName("upload"))}
			})
		}
	}
	if b.cfg.scenarios["latency"] {
		for i := 0; i < b.cfg.warmup+b.cfg.runs; i++ {
			add(i, i < b.cfg.warmup, func(tool string) job {
				marker := filepath.Join(b.cfg.work, fmt.Sprintf("first-%s-%02d", tool, i))
				if tool == toolSpindle {
					return job{Tool: tool, Scenario: "latency", N: 1, Marker: marker,
						Argv: b.spindleJob(b.spindle, "latency", 1, "--executor-command", b.markScript+" "+marker)}
				}
				return job{Tool: tool, Scenario: "latency", N: 1, Marker: marker, Cleanup: b.dsCleanup(appName("latency")),
					Argv: b.dsJob("latency", 1, "-shell_command", b.markScript, "-shell_args", marker)}
			})
		}
	}
	if b.cfg.scenarios["scale"] {
		for _, n := range b.cfg.ns {
			for i := 0; i < b.cfg.warmup+b.cfg.runs; i++ {
				add(i, i < b.cfg.warmup, b.trueJob("scale", n))
			}
		}
	}
	if b.cfg.scenarios["multi"] {
		n := b.cfg.multiN
		for i := 0; i < b.cfg.warmup+b.cfg.runs; i++ {
			add(i, i < b.cfg.warmup, b.trueJob("multi", n))
		}
	}
	return out
}

// runAll runs the jobs, printing one line per run.
func (b *bench) runAll(ctx context.Context) []result {
	jobs := b.jobs()
	var results []result
	for i, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		if i > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(b.cfg.pause):
			}
		}
		if b.cfg.maxLoad > 0 && !waitLoad(ctx, b.cfg.maxLoad, b.cfg.maxLoadWait) && ctx.Err() == nil {
			fmt.Fprintf(b.out, "  load average still %.1f after %s: running anyway\n", loadAvg(), b.cfg.maxLoadWait)
		}
		r := b.runner.run(ctx, j)
		results = append(results, r)
		fmt.Fprintf(b.out, "[%3d/%d] %s\n", i+1, len(jobs), summary(r))
	}
	return results
}

// summary is the progress line of one run.
func summary(r result) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-7s %-7s N=%-2d #%d", r.Tool, r.Scenario, r.N, r.Iter)
	if r.Warmup {
		sb.WriteString(" (warm-up)")
	}
	fmt.Fprintf(&sb, " %s exit=%d submit=%s", r.AppID, r.ExitCode, fmtDur(r.Submit))
	if r.FirstContainer >= 0 {
		fmt.Fprintf(&sb, " first=%s", fmtDur(r.FirstContainer))
	}
	fmt.Fprintf(&sb, " total=%s clientCPU=%s", fmtDur(r.Total), fmtDur(r.ClientCPU))
	if r.AM.Found {
		fmt.Fprintf(&sb, " AM[%s]=%s/%s", r.AM.Comm, fmtBytes(r.AM.PeakRSS), fmtDur(r.AM.CPU))
	}
	if r.Executors >= 0 {
		fmt.Fprintf(&sb, " executors=%d", r.Executors)
	}
	if r.Uploaded != nil {
		fmt.Fprintf(&sb, " uploaded=%d", r.UploadedTotal)
	}
	if r.State != "" {
		fmt.Fprintf(&sb, " %s/%s", r.State, r.FinalStatus)
	}
	fmt.Fprintf(&sb, " load=%.1f", r.Load)
	if r.OtherApps > 0 {
		fmt.Fprintf(&sb, " (other apps active: %d)", r.OtherApps)
	}
	if r.TimedOut {
		sb.WriteString(" TIMED OUT")
	}
	if r.Err != "" {
		sb.WriteString(" error: " + r.Err)
	}
	return sb.String()
}

// describe is the setup section of the report.
func (b *bench) describe(ci *clusterInfo) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "- date: %s\n", time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&sb, "- machine: %d cores (%s), %s memory, Linux %s, %s\n", runtime.NumCPU(), cpuModel(), memTotal(), kernel(), runtime.Version())
	fmt.Fprintf(&sb, "- cluster: %s, Hadoop %s, %d NodeManager(s), %d MB / %d vcores, %s\n", b.rm.base, ci.RMVersion, ci.Nodes, ci.MemoryMB, ci.VCores, ci.Scheduler)
	if b.spindle != "" {
		v := b.spindleVer
		if v == "" {
			v = "given binary"
		}
		fmt.Fprintf(&sb, "- spindle: %s\n", v)
	}
	if b.dsJar != "" {
		fmt.Fprintf(&sb, "- DistributedShell: %s\n", filepath.Base(b.dsJar))
	}
	fmt.Fprintf(&sb, "- %d measured runs per cell (after %d warm-up), medians shown; containers %d MB, AM %d MB; AM sampled every %s\n",
		b.cfg.runs, b.cfg.warmup, b.cfg.execMB, b.cfg.amMB, b.cfg.poll)
	return sb.String()
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	return "unknown"
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}
