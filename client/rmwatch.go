package client

import (
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/internal/yarn"
)

// rmWatch passes the ResourceManager's outages on to whoever listens (see
// Cluster.OnConnectionChange).
type rmWatch struct {
	mu sync.Mutex
	fn func(msg string, reachable bool)
}

func (w *rmWatch) observe(ev yarn.ConnectionEvent) {
	w.mu.Lock()
	fn := w.fn
	w.mu.Unlock()
	if fn != nil {
		fn(ev.String(), ev.State == yarn.RMBack)
	}
}

// OnConnectionChange sets fn to be told, once per outage, that no
// ResourceManager can be reached (reachable false; calls keep retrying for as
// long as yarn.resourcemanager.connect.max-wait.ms allows, or fail over
// between yarn.resourcemanager.ha.rm-ids) and that one answers again
// (reachable true). fn must not block.
func (c *Cluster) OnConnectionChange(fn func(msg string, reachable bool)) {
	c.watch.mu.Lock()
	c.watch.fn = fn
	c.watch.mu.Unlock()
}

// callLimit is how long one call may take under policy: its limit plus
// room for the tries in flight; 0 when the policy waits for ever.
func callLimit(policy yarn.RetryPolicy) time.Duration {
	l := policy.Limit()
	if l < 0 {
		return 0
	}
	return l + 2*yarn.DefaultTryTimeout
}
