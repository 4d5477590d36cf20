package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// userHZ is the unit of utime/stime in /proc/PID/stat. Linux exports these in
// USER_HZ, which is 100 on every architecture Hadoop runs on.
const userHZ = 100

// procSample is what one /proc poll of a process found.
type procSample struct {
	pid     int
	comm    string
	hwmKB   int64         // VmHWM: peak resident set size
	cpu     time.Duration // utime+stime of all its threads, living and dead
	sampled time.Time
}

// amStats is the ApplicationMaster process as last seen before it exited.
type amStats struct {
	Found bool
	PID   int
	Comm  string
	// PeakRSS is VmHWM in bytes.
	PeakRSS int64
	// CPU is user+system time.
	CPU time.Duration
	// Gone reports that the process was seen to exit (so the figures are
	// from the last poll, at most one poll interval before its end).
	Gone bool
}

// amWatcher polls /proc for the processes of one container (found by the
// CONTAINER_ID in their environment, which the NodeManager exports into the
// container's launch script) and keeps the last sample of each. It works only
// when the NodeManager runs on this machine and this user may read the
// container processes' environ (same user or root).
type amWatcher struct {
	interval time.Duration
	proc     string // "/proc", replaceable in tests

	mu        sync.Mutex
	container string // the container id to look for; "" until known
	// classified caches, per pid, the comm it had when its environment was
	// read and whether it belonged to the container (a pid that execs gets
	// a new environment, so a changed comm means "read it again").
	classified map[int]classification
	samples    map[int]procSample
	gone       map[int]bool
}

type classification struct {
	comm  string
	match bool
}

func newAMWatcher(interval time.Duration) *amWatcher {
	return &amWatcher{interval: interval, proc: "/proc", classified: map[int]classification{},
		samples: map[int]procSample{}, gone: map[int]bool{}}
}

// SetContainer names the container to watch (the AM's: ..._000001).
func (w *amWatcher) SetContainer(id string) {
	w.mu.Lock()
	w.container = id
	w.mu.Unlock()
}

// Run polls until ctx ends.
func (w *amWatcher) Run(ctx context.Context) {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		w.poll()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// WaitGone waits until every process seen in the container has exited, or
// until ctx ends. It reports whether they all exited.
func (w *amWatcher) WaitGone(ctx context.Context) bool {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		w.mu.Lock()
		all := len(w.samples) > 0
		for pid := range w.samples {
			if !w.gone[pid] {
				all = false
			}
		}
		w.mu.Unlock()
		if all {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}

// Stats returns the container's main process: the one with the largest peak
// RSS (the launch script's shells are a few MB; the AM is the big one).
func (w *amWatcher) Stats() amStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	var best amStats
	for pid, s := range w.samples {
		if !best.Found || s.hwmKB*1024 > best.PeakRSS {
			best = amStats{Found: true, PID: pid, Comm: s.comm, PeakRSS: s.hwmKB * 1024, CPU: s.cpu, Gone: w.gone[pid]}
		}
	}
	return best
}

// poll scans the process table once.
func (w *amWatcher) poll() {
	w.mu.Lock()
	container := w.container
	w.mu.Unlock()
	if container == "" {
		return
	}
	entries, err := os.ReadDir(w.proc)
	if err != nil {
		return
	}
	alive := make(map[int]bool, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		alive[pid] = true
		dir := filepath.Join(w.proc, e.Name())
		comm, err := os.ReadFile(filepath.Join(dir, "comm"))
		if err != nil {
			continue
		}
		c := string(bytes.TrimSpace(comm))
		w.mu.Lock()
		cl, known := w.classified[pid]
		w.mu.Unlock()
		if !known || cl.comm != c {
			cl = classification{comm: c, match: hasContainerID(filepath.Join(dir, "environ"), container)}
			w.mu.Lock()
			w.classified[pid] = cl
			w.mu.Unlock()
		}
		if !cl.match {
			continue
		}
		s, err := sampleProc(dir)
		if err != nil {
			continue // exited between the reads
		}
		s.pid, s.comm = pid, c
		w.mu.Lock()
		w.samples[pid] = s
		w.mu.Unlock()
	}
	w.mu.Lock()
	for pid := range w.samples {
		if !alive[pid] {
			w.gone[pid] = true
		}
	}
	for pid := range w.classified {
		if !alive[pid] {
			delete(w.classified, pid)
		}
	}
	w.mu.Unlock()
}

// hasContainerID reports whether the environment file holds CONTAINER_ID=id,
// with or without the RM epoch: a ResourceManager that restarted with
// recovery (as the test cluster's does) names containers container_eNN_...,
// which amContainerID cannot know in advance.
func hasContainerID(environ, id string) bool {
	b, err := os.ReadFile(environ)
	if err != nil {
		return false
	}
	want := withoutEpoch(id)
	for _, kv := range bytes.Split(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("CONTAINER_ID=")); ok && withoutEpoch(string(v)) == want {
			return true
		}
	}
	return false
}

// withoutEpoch drops the epoch part of a container id: container_e17_1_2_01_000001 -> container_1_2_01_000001.
func withoutEpoch(id string) string {
	rest, ok := strings.CutPrefix(id, "container_e")
	if !ok {
		return id
	}
	if i := strings.IndexByte(rest, '_'); i > 0 {
		return "container_" + rest[i+1:]
	}
	return id
}

// sampleProc reads VmHWM and utime+stime of the process at dir.
func sampleProc(dir string) (procSample, error) {
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return procSample{}, err
	}
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return procSample{}, err
	}
	hwm, err := parseVmHWM(string(status))
	if err != nil {
		return procSample{}, err
	}
	cpu, err := parseStatCPU(string(stat))
	if err != nil {
		return procSample{}, err
	}
	// utime+stime count in 10 ms ticks; the threads' schedstat run times are
	// exact but lose threads that exited. Take the larger.
	cpu = max(cpu, schedstatCPU(dir))
	return procSample{hwmKB: hwm, cpu: cpu, sampled: time.Now()}, nil
}

// schedstatCPU sums the on-CPU nanoseconds of the process's living threads
// (first field of /proc/PID/task/TID/schedstat); 0 if unavailable.
func schedstatCPU(dir string) time.Duration {
	tasks, err := os.ReadDir(filepath.Join(dir, "task"))
	if err != nil {
		return 0
	}
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, "task", t.Name(), "schedstat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		if ns, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			sum += ns
		}
	}
	return time.Duration(sum)
}

// parseVmHWM returns the VmHWM line of /proc/PID/status in kB.
func parseVmHWM(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmHWM line %q", line)
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("no VmHWM in status (a zombie?)")
}

// parseStatCPU returns utime+stime from /proc/PID/stat. The command name (field
// 2) may hold spaces and parentheses, so fields are counted from the last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("stat has %d fields after the command name", len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed utime/stime in %q", stat)
	}
	return time.Duration(ut+st) * time.Second / userHZ, nil
}

// amContainerID is the container id of an application's first AM attempt:
// application_<ts>_<seq> -> container_<ts>_<seq>_01_000001. (An RM that
// restarted with recovery adds an epoch, container_eNN_...; the bench does not
// handle that.)
func amContainerID(appID string) (string, error) {
	rest, ok := strings.CutPrefix(appID, "application_")
	if !ok || strings.Count(rest, "_") != 1 {
		return "", fmt.Errorf("not an application id: %q", appID)
	}
	return "container_" + rest + "_01_000001", nil
}
