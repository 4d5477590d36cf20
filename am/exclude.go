package am

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/internal/yarn"
)

// Node exclusion defaults, Spark's (spark.excludeOnFailure.*).
const (
	defaultMaxFailuresPerNode = 2
	defaultExcludeTimeout     = time.Hour
)

// exclusions decides which nodes executors must not run on, as Spark's
// YarnAllocatorNodeHealthTracker does: nodes named in spindle.yarn.exclude.nodes
// always, and a node on which maxPerNode executors failed (within timeout) for
// timeout from its last failure. It tracks nodes by their NodeManager id
// (host:port) and tells the ResourceManager through YARN's blacklist, naming a
// node by its host (or host:port when the scheduler names nodes with their
// port, yarn.scheduler.include-port-in-node-name). The allocator also releases
// any container it gets on an excluded node, so exclusion holds even where the
// RM's names differ. Not safe for concurrent use: the allocator holds its lock.
type exclusions struct {
	maxPerNode int // 0: no exclusion on failure
	timeout    time.Duration
	portNames  bool
	static     map[string]bool // host or host:port, as configured
	failures   map[string][]time.Time
	until      map[string]time.Time // excluded node id -> end of exclusion
	sent       map[string]bool      // names the RM holds in its blacklist
	now        func() time.Time
}

func newExclusions(static []string, maxPerNode int, timeout time.Duration, portNames bool) *exclusions {
	x := &exclusions{maxPerNode: maxPerNode, timeout: timeout, portNames: portNames, static: map[string]bool{},
		failures: map[string][]time.Time{}, until: map[string]time.Time{}, sent: map[string]bool{}, now: time.Now}
	for _, n := range static {
		if n = strings.TrimSpace(n); n != "" {
			x.static[n] = true
		}
	}
	return x
}

// failed records an executor failure on node (host:port) and reports whether
// that node is now newly excluded.
func (x *exclusions) failed(node string) bool {
	if x.maxPerNode <= 0 || node == "" {
		return false
	}
	now := x.now()
	recent := []time.Time{now}
	for _, t := range x.failures[node] {
		if now.Sub(t) < x.timeout {
			recent = append(recent, t)
		}
	}
	x.failures[node] = recent
	if len(recent) < x.maxPerNode {
		return false
	}
	_, already := x.until[node]
	x.until[node] = now.Add(x.timeout)
	return !already
}

// expire ends the exclusions whose time is up.
func (x *exclusions) expire() {
	now := x.now()
	for n, t := range x.until {
		if !now.Before(t) {
			delete(x.until, n)
			delete(x.failures, n)
		}
	}
}

// excluded reports whether an executor must not run on node (host:port) of host.
func (x *exclusions) excluded(node, host string) bool {
	x.expire()
	_, dyn := x.until[node]
	return dyn || x.static[node] || x.static[host]
}

// count is the number of excluded nodes, static entries included.
func (x *exclusions) count() int {
	x.expire()
	n := len(x.until)
	for s := range x.static {
		if _, dup := x.until[s]; !dup {
			n++
		}
	}
	return n
}

// allExcluded returns an error when every one of clusterNodes nodes is excluded.
func (x *exclusions) allExcluded(clusterNodes int) error {
	if clusterNodes <= 0 || x.count() < clusterNodes {
		return nil
	}
	return fmt.Errorf("every node of the cluster (%d) is excluded for executors: %s; executors failed repeatedly there "+
		"(spindle.excludeOnFailure.application.maxFailedExecutorsPerNode=%d within spindle.excludeOnFailure.timeout=%s) "+
		"or spindle.yarn.exclude.nodes names them", clusterNodes, strings.Join(x.list(), ", "), x.maxPerNode, x.timeout)
}

// list is the excluded nodes, sorted.
func (x *exclusions) list() []string {
	var out []string
	for n := range x.until {
		out = append(out, n)
	}
	for s := range x.static {
		if _, dup := x.until[s]; !dup {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// names is the blacklist the RM should hold.
func (x *exclusions) names() map[string]bool {
	x.expire()
	want := map[string]bool{}
	for s := range x.static {
		want[s] = true
	}
	for n := range x.until {
		if x.portNames {
			want[n] = true
		} else if host, _, ok := strings.Cut(n, ":"); ok {
			want[host] = true
		}
	}
	return want
}

// update returns the changes to send with the next allocate, and the
// function that records them as sent once the RM accepted them.
func (x *exclusions) update() (yarn.Exclusions, func()) {
	want := x.names()
	var ex yarn.Exclusions
	for n := range want {
		if !x.sent[n] {
			ex.Add = append(ex.Add, n)
		}
	}
	for n := range x.sent {
		if !want[n] {
			ex.Remove = append(ex.Remove, n)
		}
	}
	sort.Strings(ex.Add)
	sort.Strings(ex.Remove)
	return ex, func() { x.sent = want }
}

// forget records that the RM lost the blacklist (a re-registration): the
// next update sends it whole.
func (x *exclusions) forget() { x.sent = map[string]bool{} }
