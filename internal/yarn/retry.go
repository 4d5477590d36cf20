package yarn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/ipc"
)

// Configuration keys read by RetryPolicyFromConf, with Hadoop's defaults
// (YarnConfiguration, CommonConfigurationKeysPublic).
const (
	KeyRMConnectMaxWait        = "yarn.resourcemanager.connect.max-wait.ms"
	KeyRMConnectRetryInterval  = "yarn.resourcemanager.connect.retry-interval.ms"
	KeyFailoverMaxAttempts     = "yarn.client.failover-max-attempts"
	KeyFailoverSleepBase       = "yarn.client.failover-sleep-base-ms"
	KeyFailoverSleepMax        = "yarn.client.failover-sleep-max-ms"
	KeyIPCConnectMaxRetries    = "ipc.client.connect.max.retries"
	KeyIPCConnectRetryInterval = "ipc.client.connect.retry.interval"

	DefaultRMConnectMaxWait        = 15 * time.Minute
	DefaultRMConnectRetryInterval  = 30 * time.Second
	DefaultIPCConnectMaxRetries    = 10
	DefaultIPCConnectRetryInterval = time.Second
)

// minRetryWait is the shortest wait FixedRetry makes between tries, so that
// a zero interval cannot turn an outage into a busy loop.
const minRetryWait = 100 * time.Millisecond

// RetryPolicy decides how a ResourceManager client (ResourceManager,
// Scheduler) rides out failures to reach an active ResourceManager:
// connection failures, standby answers (HA), RetriableException, and tries
// that time out. Other errors are never retried. Every wait is also bounded
// by the call's context.
//
// FixedRetry and FailoverRetry are Hadoop's two policies (RMProxy); build
// the one a configuration asks for with RetryPolicyFromConf.
type RetryPolicy interface {
	// Retry is asked after the n-th consecutive failed try of one call
	// (n >= 1), elapsed after its first failure; err is the last failure.
	// It returns how long to wait before the next try, or false to give up.
	Retry(n int, elapsed time.Duration, err error) (wait time.Duration, ok bool)
	// Limit is how long one call keeps retrying at most, for messages
	// ("retrying until ..."); negative means without limit. It may be an
	// estimate for count-based policies.
	Limit() time.Duration
}

// FixedRetry is Hadoop's policy for a single ResourceManager (no HA): retry
// with a fixed interval until MaxWait has passed since the first failure
// (yarn.resourcemanager.connect.max-wait.ms and .retry-interval.ms).
//
// Like Hadoop's IPC client underneath RMProxy, a refused or failed
// connection attempt is first retried ConnectRetries times every
// ConnectInterval (ipc.client.connect.max.retries and
// ipc.client.connect.retry.interval) before the policy waits Interval.
type FixedRetry struct {
	// MaxWait is how long after the first failure a call keeps retrying;
	// negative means forever (max-wait -1), zero means one try only.
	MaxWait time.Duration
	// Interval is the wait between tries (at least 100 ms is used).
	Interval time.Duration
	// ConnectRetries is how many quick retries follow a connection attempt
	// that failed before any request was sent (0: none).
	ConnectRetries int
	// ConnectInterval is the wait before such a quick retry.
	ConnectInterval time.Duration
}

// Retry implements RetryPolicy.
func (p FixedRetry) Retry(n int, elapsed time.Duration, err error) (time.Duration, bool) {
	wait := p.Interval
	if p.ConnectRetries > 0 && isDialFailure(err) && n%(p.ConnectRetries+1) != 0 {
		wait = p.ConnectInterval
	}
	wait = max(wait, minRetryWait)
	if p.MaxWait >= 0 && elapsed+wait > p.MaxWait {
		return 0, false
	}
	return wait, true
}

// Limit implements RetryPolicy.
func (p FixedRetry) Limit() time.Duration { return p.MaxWait }

// FailoverRetry is Hadoop's policy for ResourceManager HA
// (RetryPolicies.failoverOnNetworkException as RMProxy configures it): up
// to MaxFailovers further tries, the first at once, each later one after
// SleepBase doubled per try, capped at SleepMax, randomized by ±50 %.
type FailoverRetry struct {
	// MaxFailovers is how many tries may follow the first one
	// (yarn.client.failover-max-attempts); negative means without limit.
	MaxFailovers int
	// SleepBase is the base wait (yarn.client.failover-sleep-base-ms).
	SleepBase time.Duration
	// SleepMax caps the doubled wait (yarn.client.failover-sleep-max-ms).
	SleepMax time.Duration
}

// Retry implements RetryPolicy.
func (p FailoverRetry) Retry(n int, _ time.Duration, _ error) (time.Duration, bool) {
	if p.MaxFailovers >= 0 && n > p.MaxFailovers {
		return 0, false
	}
	base := p.base(n - 1)
	if base <= 0 {
		return 0, true
	}
	return time.Duration(float64(base) * (0.5 + rand.Float64())), true
}

// base is the wait before failover number f (0-based) without jitter.
func (p FailoverRetry) base(f int) time.Duration {
	if f <= 0 || p.SleepBase <= 0 {
		return 0
	}
	d := p.SleepBase
	for i := 0; i < f && d < p.SleepMax; i++ {
		d *= 2
	}
	return min(d, p.SleepMax)
}

// Limit implements RetryPolicy: the sum of the waits without jitter.
func (p FailoverRetry) Limit() time.Duration {
	if p.MaxFailovers < 0 {
		return -1
	}
	var total time.Duration
	for f := 0; f < p.MaxFailovers; f++ {
		b := p.base(f)
		if b == p.SleepMax {
			// The rest are all capped: finish by multiplication.
			return total + time.Duration(p.MaxFailovers-f)*b
		}
		total += b
	}
	return total
}

// defaultRetryPolicy is used when no policy is given: two quick passes over
// the addresses (a few seconds), for callers that prefer failing fast.
func defaultRetryPolicy(addrs int) RetryPolicy {
	return FailoverRetry{MaxFailovers: 2*addrs - 1, SleepBase: 200 * time.Millisecond, SleepMax: time.Second}
}

// RetryPolicyFromConf returns the retry policy Hadoop's RMProxy builds from
// conf: FailoverRetry when yarn.resourcemanager.ha.enabled is true, else
// FixedRetry. The keys and their defaults:
//
//   - yarn.resourcemanager.connect.max-wait.ms (900000 = 15 min; -1 waits
//     forever; a value below the retry interval means one try only)
//   - yarn.resourcemanager.connect.retry-interval.ms (30000)
//   - HA only: yarn.client.failover-sleep-base-ms and
//     yarn.client.failover-sleep-max-ms (default: the retry interval), and
//     yarn.client.failover-max-attempts (default: max-wait / sleep base, or
//     no limit when max-wait is -1)
//   - without HA: ipc.client.connect.max.retries (10) and
//     ipc.client.connect.retry.interval (1000 ms) for quick reconnects
//
// Errors name the key at fault.
func RetryPolicyFromConf(conf *hadoopconf.Conf) (RetryPolicy, error) {
	maxWait, err := conf.GetInt64(KeyRMConnectMaxWait, DefaultRMConnectMaxWait.Milliseconds())
	if err != nil {
		return nil, err
	}
	interval, err := conf.GetInt64(KeyRMConnectRetryInterval, DefaultRMConnectRetryInterval.Milliseconds())
	if err != nil {
		return nil, err
	}
	forever := maxWait == -1
	switch {
	case maxWait < -1:
		return nil, fmt.Errorf("yarn: %s=%d: use -1 to wait forever, or a number of milliseconds", KeyRMConnectMaxWait, maxWait)
	case interval < 0:
		return nil, fmt.Errorf("yarn: %s=%d must not be negative", KeyRMConnectRetryInterval, interval)
	case !forever && maxWait < interval:
		maxWait = 0 // Hadoop: "Only try connect once."
	}
	if conf.HAEnabled() {
		return failoverFromConf(conf, maxWait, interval, forever)
	}
	p := FixedRetry{MaxWait: time.Duration(maxWait) * time.Millisecond, Interval: time.Duration(interval) * time.Millisecond}
	if forever {
		p.MaxWait = -1
	}
	retries, err := conf.GetInt(KeyIPCConnectMaxRetries, DefaultIPCConnectMaxRetries)
	if err != nil {
		return nil, err
	}
	every, err := conf.GetInt64(KeyIPCConnectRetryInterval, DefaultIPCConnectRetryInterval.Milliseconds())
	if err != nil {
		return nil, err
	}
	if retries > 0 && every >= 0 {
		p.ConnectRetries, p.ConnectInterval = retries, time.Duration(every)*time.Millisecond
	}
	return p, nil
}

// failoverFromConf reads the HA part of RetryPolicyFromConf.
func failoverFromConf(conf *hadoopconf.Conf, maxWait, interval int64, forever bool) (RetryPolicy, error) {
	base, err := conf.GetInt64(KeyFailoverSleepBase, interval)
	if err != nil {
		return nil, err
	}
	capMs, err := conf.GetInt64(KeyFailoverSleepMax, interval)
	if err != nil {
		return nil, err
	}
	if base < 0 || capMs < 0 {
		return nil, fmt.Errorf("yarn: %s=%d and %s=%d must not be negative", KeyFailoverSleepBase, base, KeyFailoverSleepMax, capMs)
	}
	attempts, err := conf.GetInt(KeyFailoverMaxAttempts, -1)
	if err != nil {
		return nil, err
	}
	switch {
	case attempts >= 0:
	case attempts != -1:
		return nil, fmt.Errorf("yarn: %s=%d: use -1 (derive from %s) or a count", KeyFailoverMaxAttempts, attempts, KeyRMConnectMaxWait)
	case forever:
		attempts = -1
	case base == 0:
		return nil, fmt.Errorf("yarn: %s is 0, so %s cannot be derived from %s; set it", KeyFailoverSleepBase, KeyFailoverMaxAttempts, KeyRMConnectMaxWait)
	default:
		attempts = int(min(maxWait/base, math.MaxInt32))
	}
	return FailoverRetry{MaxFailovers: attempts, SleepBase: time.Duration(base) * time.Millisecond,
		SleepMax: time.Duration(capMs) * time.Millisecond}, nil
}

// isDialFailure reports whether err is a connection attempt that failed
// before any request was sent.
func isDialFailure(err error) bool {
	var ce *ipc.ConnectError
	return errors.As(err, &ce) && (ce.Op == "dial" || ce.Op == "handshake")
}

// isTryTimeout reports whether err is the timeout of one try while the
// call's own context is still alive.
func isTryTimeout(ctx context.Context, err error) bool {
	return ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded)
}
