package yarn

import (
	"fmt"
	"time"
)

// DefaultTryTimeout bounds a single try of a ResourceManager call when the
// call's context allows longer: a ResourceManager that accepted the
// connection but hangs is then retried like an unreachable one.
const DefaultTryTimeout = 2 * time.Minute

// Option configures a ResourceManager or a Scheduler.
type Option func(*options)

// options holds what Options set.
type options struct {
	retry      RetryPolicy
	observer   Observer
	tryTimeout time.Duration
}

// WithRetryPolicy sets how calls ride out a ResourceManager that cannot be
// reached, is standby or busy (see RetryPolicyFromConf). Without it a
// client makes two quick passes over its addresses (a few seconds) and
// gives up.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(o *options) {
		if p != nil {
			o.retry = p
		}
	}
}

// WithObserver sets a function that is told once when no ResourceManager
// can be reached (the client keeps retrying) and once when one answers
// again. It is called on the calling goroutine and must not block.
func WithObserver(fn Observer) Option {
	return func(o *options) { o.observer = fn }
}

// WithTryTimeout bounds a single try of a call (default
// DefaultTryTimeout); a try that times out is retried under the retry
// policy. Zero or negative keeps the default.
func WithTryTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.tryTimeout = d
		}
	}
}

// buildOptions applies opts over the defaults for n addresses.
func buildOptions(n int, opts []Option) options {
	o := options{retry: defaultRetryPolicy(n), tryTimeout: DefaultTryTimeout}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// RMState is the state change a ConnectionEvent reports.
type RMState int

const (
	// RMUnreachable means a call found no ResourceManager that could
	// serve it (every address refused, broke, timed out or was standby);
	// the client keeps retrying under its RetryPolicy.
	RMUnreachable RMState = iota + 1
	// RMBack means a ResourceManager answered again after RMUnreachable.
	RMBack
)

// String returns "unreachable" or "back".
func (s RMState) String() string {
	switch s {
	case RMUnreachable:
		return "unreachable"
	case RMBack:
		return "back"
	}
	return fmt.Sprintf("RMState(%d)", int(s))
}

// ConnectionEvent tells an Observer that a client lost or regained the
// ResourceManager. A client reports each outage once, however many calls
// notice it: RMUnreachable at its start and RMBack at its end.
type ConnectionEvent struct {
	// State is RMUnreachable or RMBack.
	State RMState
	// Method is the call that noticed, e.g. "allocate".
	Method string
	// Addr is the address tried last (RMUnreachable) or the one that
	// answered (RMBack).
	Addr string
	// Err is the last failure (RMUnreachable only).
	Err error
	// Since is when the outage began: the first failure of the call that
	// noticed it.
	Since time.Time
	// Until is when that call stops retrying (RMUnreachable only); zero
	// when it retries without limit (it still ends with its context).
	Until time.Time
	// At is when the event happened.
	At time.Time
}

// String is a one-line message for users, e.g. "ResourceManager
// unreachable (cannot connect: ...); retrying until 15:04:05 (15m0s)" or
// "ResourceManager back (rm1:8032) after 42s".
func (e ConnectionEvent) String() string {
	switch e.State {
	case RMUnreachable:
		until := "retrying without limit"
		if !e.Until.IsZero() {
			until = fmt.Sprintf("retrying until %s (%s)", e.Until.Format("15:04:05"), e.Until.Sub(e.Since).Round(time.Second))
		}
		return fmt.Sprintf("ResourceManager unreachable (%v); %s", e.Err, until)
	case RMBack:
		return fmt.Sprintf("ResourceManager back (%s) after %s", e.Addr, e.At.Sub(e.Since).Round(time.Second))
	}
	return "ResourceManager " + e.State.String()
}

// Observer receives ConnectionEvents; see WithObserver.
type Observer func(ConnectionEvent)
