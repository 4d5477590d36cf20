package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Tools compared.
const (
	toolSpindle = "spindle"
	toolDS      = "dshell"
)

// Patterns in the clients' output. Both clients print their line once
// submitApplication has returned and a report showed the application past
// SUBMITTED, that is ACCEPTED: Spindle logs `submitted application_... to
// queue ...`, DistributedShell's YarnClientImpl `Submitted application
// application_...`.
var (
	submittedRE  = regexp.MustCompile(`(?i)\bsubmitted (?:application )?(application_\d+_\d+)`)
	stagedRE     = regexp.MustCompile(`staged (\S+): ([a-z ]+), (\d+) bytes uploaded`)
	executorsRE  = regexp.MustCompile(`all (\d+) executors completed`)
	anyAppIDRE   = regexp.MustCompile(`application_\d+_\d+`)
	markerLineRE = regexp.MustCompile(`^\d{15,}$`)
)

// job is one client invocation to measure.
type job struct {
	Tool     string
	Scenario string
	N        int
	Iter     int // 0-based; iterations < warmup are not counted
	Warmup   bool
	Argv     []string
	// Marker is the file the executors append their start times to ("" for none).
	Marker string
	// Cleanup removes what the run left behind (DistributedShell's staging dir).
	Cleanup func(appID string)
	// Uploaded computes the bytes the run uploaded when the client does not say
	// (DistributedShell); nil to parse Spindle's -v output.
	Uploaded func(appID string) map[string]int64
}

// result is what one run measured. Durations are from the command's start.
type result struct {
	Tool, Scenario string
	N, Iter        int
	Warmup         bool
	AppID          string
	ExitCode       int
	Err            string `json:",omitempty"`
	TimedOut       bool

	Submit         time.Duration // until the "submitted" line
	FirstContainer time.Duration // until the earliest executor start; -1 if unknown
	Total          time.Duration // until the client exited

	ClientCPU    time.Duration // user+sys of the client and its waited-for children
	ClientUser   time.Duration
	ClientSys    time.Duration
	ClientMaxRSS int64 // bytes

	AM amStats

	State, FinalStatus string
	Executors          int // Spindle's "all N executors completed"; -1 unknown
	Uploaded           map[string]int64
	UploadedTotal      int64
	OtherApps          int     // other applications active on the cluster when the run started
	Load               float64 // this machine's 1-minute load average when the run started
	Log                string
}

// runner runs jobs.
type runner struct {
	rm       *rmREST
	logDir   string
	timeout  time.Duration
	poll     time.Duration
	amGrace  time.Duration
	env      []string
	progress io.Writer
}

// run executes one job and measures it.
func (r *runner) run(ctx context.Context, j job) result {
	res := result{Tool: j.Tool, Scenario: j.Scenario, N: j.N, Iter: j.Iter, Warmup: j.Warmup,
		FirstContainer: -1, Executors: -1, ExitCode: -1}
	if act, err := r.rm.Active(ctx); err == nil {
		res.OtherApps = len(act)
	}
	res.Load = loadAvg()
	if j.Marker != "" {
		_ = os.Remove(j.Marker)
	}
	logPath := filepath.Join(r.logDir, fmt.Sprintf("%s-%s-n%d-%02d.log", j.Tool, j.Scenario, j.N, j.Iter))
	res.Log = logPath
	logFile, err := os.Create(logPath)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "# %s\n", strings.Join(j.Argv, " "))

	rctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	jr := &jobRun{r: r, j: j, res: &res, logFile: logFile, watcher: newAMWatcher(r.poll), appIDCh: make(chan string, 1)}
	wctx, stopWatch := context.WithCancel(context.Background())
	watchDone := make(chan struct{})
	go func() { defer close(watchDone); jr.watcher.Run(wctx) }()
	defer func() { stopWatch(); <-watchDone }()

	exited, err := jr.start()
	if err != nil {
		res.Err = err.Error()
		return res
	}
	out := jr.client(rctx, exited)
	// The client may exit before the AM process does (the RM reports
	// FINISHED once the AM unregistered): follow the AM to its end.
	gctx, gcancel := context.WithTimeout(ctx, r.amGrace)
	jr.watcher.WaitGone(gctx)
	gcancel()
	stopWatch()
	<-watchDone
	res.AM = jr.watcher.Stats()
	jr.application(ctx, out)
	return res
}

// jobRun is one run of a job's client command.
type jobRun struct {
	r       *runner
	j       job
	res     *result
	logFile *os.File
	watcher *amWatcher
	cmd     *exec.Cmd
	began   time.Time
	hwm     chan int64
	hwmStop chan struct{}
	appIDCh chan string

	mu       sync.Mutex
	lines    []string
	submitAt time.Duration
}

// start starts the client command, its output readers and the RSS poll, and
// returns the channel that yields its end.
func (jr *jobRun) start() (<-chan error, error) {
	j := jr.j
	cmd := exec.Command(j.Argv[0], j.Argv[1:]...)
	cmd.Env = jr.r.env
	cmd.Stdin = nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so a timeout can end the JVM behind `yarn`
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	jr.cmd, jr.began = cmd, time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %v", j.Argv[0], err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go jr.read(stdout, &wg)
	go jr.read(stderr, &wg)
	// The client's peak RSS: rusage's ru_maxrss would also count this
	// process's memory (Go starts children with vfork, and Linux carries the
	// pre-exec high-water mark into the child's), so poll VmHWM instead.
	// `yarn` execs its JVM, which keeps the pid.
	jr.hwm, jr.hwmStop = make(chan int64, 1), make(chan struct{})
	go func() { jr.hwm <- pollHWM(cmd.Process.Pid, jr.r.poll, jr.hwmStop) }()
	exited := make(chan error, 1)
	go func() {
		wg.Wait() // all output read before Wait closes the pipes
		exited <- cmd.Wait()
	}()
	return exited, nil
}

// read logs the client's output lines with their time and notes the
// submitted application's id.
func (jr *jobRun) read(rd io.Reader, wg *sync.WaitGroup) {
	defer wg.Done()
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		at := time.Since(jr.began)
		line := sc.Text()
		jr.mu.Lock()
		fmt.Fprintf(jr.logFile, "%8.3f %s\n", at.Seconds(), line)
		jr.lines = append(jr.lines, line)
		if jr.submitAt == 0 {
			if m := submittedRE.FindStringSubmatch(line); m != nil {
				jr.submitAt = at
				jr.appIDCh <- m[1]
			}
		}
		jr.mu.Unlock()
	}
}

// client waits for the client command's end (aborting it when ctx ends
// first), records its time, exit and resource use, and returns its output.
func (jr *jobRun) client(ctx context.Context, exited <-chan error) []string {
	res := jr.res
	var appID string
	var waitErr error
wait:
	for {
		select {
		case id := <-jr.appIDCh:
			appID = id
			if cid, err := amContainerID(id); err == nil {
				jr.watcher.SetContainer(cid)
			}
			if jr.j.Uploaded != nil {
				// The staged files are complete once the application is
				// submitted, and DistributedShell deletes them at its end.
				res.Uploaded = jr.j.Uploaded(id)
			}
		case waitErr = <-exited:
			break wait
		case <-ctx.Done():
			res.TimedOut = true
			kill := jr.r.abort(jr.cmd, appID, jr.appIDCh)
			waitErr = <-exited
			kill.Stop() // the group is gone: never signal a reused id
			break wait
		}
	}
	res.Total = time.Since(jr.began)
	close(jr.hwmStop)
	res.ClientMaxRSS = <-jr.hwm
	jr.mu.Lock()
	res.Submit = jr.submitAt
	out := append([]string(nil), jr.lines...)
	jr.mu.Unlock()
	if appID == "" {
		// The submitted line may have been missed (different wording): take
		// the first application id printed.
		for _, l := range out {
			if m := anyAppIDRE.FindString(l); m != "" {
				appID = m
				break
			}
		}
	}
	res.AppID = appID
	jr.clientUsage(waitErr)
	return out
}

// clientUsage records the client's exit code, CPU time and wait error.
func (jr *jobRun) clientUsage(waitErr error) {
	res := jr.res
	if ps := jr.cmd.ProcessState; ps != nil {
		res.ExitCode = ps.ExitCode()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			res.ClientUser = time.Duration(ru.Utime.Nano())
			res.ClientSys = time.Duration(ru.Stime.Nano())
			res.ClientCPU = res.ClientUser + res.ClientSys
		}
	}
	if waitErr != nil && res.Err == "" {
		var ee *exec.ExitError
		if !errors.As(waitErr, &ee) {
			res.Err = waitErr.Error()
		}
	}
}

// application records what became of the application: its final state,
// executors, first container, uploads; then runs the job's cleanup.
func (jr *jobRun) application(ctx context.Context, out []string) {
	res, j, appID := jr.res, jr.j, jr.res.AppID
	if appID != "" {
		fctx, fcancel := context.WithTimeout(ctx, 30*time.Second)
		if rep, err := jr.r.rm.WaitFinal(fctx, appID); rep != nil {
			res.State, res.FinalStatus = rep.State, rep.FinalStatus
			if m := executorsRE.FindStringSubmatch(rep.Diagnostics); m != nil {
				res.Executors, _ = strconv.Atoi(m[1])
			}
		} else if err != nil && res.Err == "" {
			res.Err = "final state: " + err.Error()
		}
		fcancel()
	}
	if res.Executors < 0 {
		for _, l := range out {
			if m := executorsRE.FindStringSubmatch(l); m != nil {
				res.Executors, _ = strconv.Atoi(m[1])
			}
		}
	}
	if j.Marker != "" {
		if first, err := earliestMark(j.Marker); err == nil {
			res.FirstContainer = time.Unix(0, first).Sub(jr.began)
		}
	}
	if j.Uploaded != nil {
		if res.Uploaded == nil && appID != "" {
			res.Uploaded = j.Uploaded(appID)
		}
	} else {
		res.Uploaded = parseStaged(out)
	}
	for _, b := range res.Uploaded {
		res.UploadedTotal += b
	}
	if j.Cleanup != nil && appID != "" {
		j.Cleanup(appID)
	}
}

// abort ends a run that timed out: the application is killed through the RM
// and the client's process group (the one this run started) is interrupted,
// then killed by the returned timer unless the caller stops it first.
func (r *runner) abort(cmd *exec.Cmd, appID string, appIDCh <-chan string) *time.Timer {
	if appID == "" {
		select {
		case appID = <-appIDCh:
		default:
		}
	}
	if appID != "" {
		kctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := r.rm.Kill(kctx, appID); err != nil {
			fmt.Fprintf(r.progress, "  could not kill %s: %v\n", appID, err)
		}
		cancel()
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGINT)
	return time.AfterFunc(15*time.Second, func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
}

// earliestMark returns the smallest nanosecond timestamp in a marker file
// (one `date +%s%N` per executor start).
func earliestMark(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var marks []int64
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if !markerLineRE.MatchString(l) {
			continue
		}
		v, err := strconv.ParseInt(l, 10, 64)
		if err == nil {
			marks = append(marks, v)
		}
	}
	if len(marks) == 0 {
		return 0, fmt.Errorf("%s: no timestamps", path)
	}
	sort.Slice(marks, func(i, k int) bool { return marks[i] < marks[k] })
	return marks[0], nil
}

// parseStaged reads Spindle's -v lines `staged NAME: OUTCOME, N bytes uploaded`.
func parseStaged(lines []string) map[string]int64 {
	out := map[string]int64{}
	for _, l := range lines {
		if m := stagedRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.ParseInt(m[3], 10, 64)
			out[m[1]] += n
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// pollHWM samples the VmHWM of pid until stop is closed and returns the
// largest value seen, in bytes. The last sample is at most one interval old
// when the process exits.
func pollHWM(pid int, every time.Duration, stop <-chan struct{}) int64 {
	path := fmt.Sprintf("/proc/%d/status", pid)
	var peak int64
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			if kb, err := parseVmHWM(string(b)); err == nil {
				peak = max(peak, kb*1024)
			}
		}
		select {
		case <-stop:
			return peak
		case <-t.C:
		}
	}
}

// loadAvg is the 1-minute load average (0 if unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// waitLoad waits until the 1-minute load average is below limit, at most
// maxWait; it reports whether it was.
func waitLoad(ctx context.Context, limit float64, maxWait time.Duration) bool {
	deadline := time.Now().Add(maxWait)
	for {
		if loadAvg() < limit {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(5 * time.Second):
		}
	}
}
