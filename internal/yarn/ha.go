package yarn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/internal/ipc"
)

// Failover tuning.
const (
	// defaultRetriableTries is how often a RetriableException is retried
	// on the same address before moving on to the next one.
	defaultRetriableTries = 2
	// maxAttemptsKept bounds FailoverError.Attempts (the latest are kept).
	maxAttemptsKept = 16
)

// failover runs calls against a list of equivalent server addresses (the
// ResourceManagers of an HA pair/group, in rm-id order, or a single one),
// starting with the one that answered last, under a RetryPolicy, and
// reports outages to an Observer once each.
type failover struct {
	addrs      []string
	policy     RetryPolicy
	observer   Observer
	tryTimeout time.Duration

	mu      sync.Mutex
	active  int       // index into addrs of the server that answered last
	answers uint64    // counts answers, so calls know whether one came since their failures
	outage  time.Time // start of the reported outage; zero when none
}

// newFailover validates addrs and returns a failover configured by o.
func newFailover(addrs []string, o options) (*failover, error) {
	if len(addrs) == 0 {
		return nil, errors.New("no addresses given")
	}
	for _, a := range addrs {
		if strings.TrimSpace(a) == "" {
			return nil, errors.New("empty address in list")
		}
	}
	return &failover{
		addrs:      append([]string(nil), addrs...),
		policy:     o.retry,
		observer:   o.observer,
		tryTimeout: o.tryTimeout,
	}, nil
}

// activeAddr returns the address calls start with.
func (f *failover) activeAddr() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addrs[f.active]
}

// callState is the progress of one call through failover.do.
type callState struct {
	method    string
	idx       int       // address to try next
	failures  int       // failed tries so far
	retriable int       // consecutive RetriableErrors on addrs[idx]
	first     time.Time // first failure
	fe        *FailoverError
	// Failures since any call last got an answer: an outage is reported
	// only when one call has failed on every address with no answer
	// anywhere in between.
	epoch       uint64    // f.answers when the streak began
	streak      int       // failures in the streak
	streakStart time.Time // first failure of the streak
}

// do runs call against the addresses, starting with the remembered active
// one, until it succeeds, fails with an error that is not about reaching
// an active server, the retry policy gives up, or ctx ends.
//
// Connection failures, StandbyError and tries that time out move on to the
// next address; a RetriableError is retried on the same address twice
// first. Between tries it waits as the policy says. The address that
// answers (successfully or with another exception) becomes the active one.
// Other errors are returned at once, wrapped with method and address; when
// the policy gives up or ctx ends, the result is a *FailoverError naming
// what each address said.
func (f *failover) do(ctx context.Context, method string, call func(ctx context.Context, addr string) error) error {
	f.mu.Lock()
	st := &callState{method: method, idx: f.active, fe: &FailoverError{Method: method}, epoch: f.answers}
	f.mu.Unlock()
	for {
		addr := f.addrs[st.idx]
		err := f.try(ctx, addr, call)
		if err == nil {
			f.answered(st, addr)
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			st.fe.add(addr, err)
			st.fe.Cause = cerr
			return st.fe
		}
		if !isFailoverError(err) && !isTryTimeout(ctx, err) {
			var re *ipc.RemoteError
			if errors.As(err, &re) {
				f.answered(st, addr) // the server answered: it is the active one
			}
			return fmt.Errorf("yarn: %s at %s: %w", method, addr, err)
		}
		st.fe.add(addr, err)
		wait, ok := f.next(st, err)
		if !ok {
			f.endOutage()
			return st.fe
		}
		if f.reachedNone(st) {
			f.lost(st, addr, err)
		}
		if serr := sleepCtx(ctx, wait); serr != nil {
			st.fe.Cause = serr
			return st.fe
		}
	}
}

// try makes one try on addr, bounded by the try timeout.
func (f *failover) try(ctx context.Context, addr string, call func(ctx context.Context, addr string) error) error {
	tctx, cancel := context.WithTimeout(ctx, f.tryTimeout)
	defer cancel()
	return call(tctx, addr)
}

// next records a failed try and asks the policy whether and when to try
// again, choosing the address for that try.
func (f *failover) next(st *callState, err error) (time.Duration, bool) {
	now := time.Now()
	if st.first.IsZero() {
		st.first = now
	}
	st.failures++
	wait, ok := f.policy.Retry(st.failures, now.Sub(st.first), err)
	if !ok {
		return 0, false
	}
	var re *ipc.RetriableError
	if errors.As(err, &re) && st.retriable < defaultRetriableTries {
		st.retriable++
		return wait, true
	}
	st.retriable = 0
	st.idx = (st.idx + 1) % len(f.addrs)
	return wait, true
}

// reachedNone counts a failure into the call's streak and reports whether
// the call has now failed on every address since anyone's last answer.
func (f *failover) reachedNone(st *callState) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st.epoch != f.answers {
		st.epoch, st.streak = f.answers, 0
	}
	if st.streak == 0 {
		st.streakStart = time.Now()
	}
	st.streak++
	return st.streak >= len(f.addrs)
}

// lost reports the start of an outage, unless one is already reported.
func (f *failover) lost(st *callState, addr string, err error) {
	f.mu.Lock()
	if !f.outage.IsZero() {
		f.mu.Unlock()
		return
	}
	f.outage = st.streakStart
	f.mu.Unlock()
	if f.observer == nil {
		return
	}
	ev := ConnectionEvent{State: RMUnreachable, Method: st.method, Addr: addr, Err: err, Since: st.streakStart, At: time.Now()}
	if lim := f.policy.Limit(); lim >= 0 {
		ev.Until = st.first.Add(lim)
	}
	f.observer(ev)
}

// answered remembers addr as the active server and reports the end of an
// outage, if one was reported.
func (f *failover) answered(st *callState, addr string) {
	f.mu.Lock()
	f.active = st.idx
	f.answers++
	since := f.outage
	f.outage = time.Time{}
	f.mu.Unlock()
	if !since.IsZero() && f.observer != nil {
		f.observer(ConnectionEvent{State: RMBack, Method: st.method, Addr: addr, Since: since, At: time.Now()})
	}
}

// endOutage forgets a reported outage after a call gave up, so that the
// next call that finds no server reports it again.
func (f *failover) endOutage() {
	f.mu.Lock()
	f.outage = time.Time{}
	f.mu.Unlock()
}

// isFailoverError reports whether err means "try again, maybe elsewhere":
// connection failures, standby and busy (retriable) servers.
func isFailoverError(err error) bool {
	var ce *ipc.ConnectError
	var se *ipc.StandbyError
	var re *ipc.RetriableError
	return errors.As(err, &ce) || errors.As(err, &se) || errors.As(err, &re)
}

// AttemptError is one failed attempt of a call on one server address.
type AttemptError struct {
	// Addr is the server address tried.
	Addr string
	// Err is what happened.
	Err error
}

// FailoverError reports that a call found no server that could serve it
// within its retry policy or context: each address tried was unreachable,
// standby or persistently busy.
type FailoverError struct {
	// Method is the RPC method, e.g. "getApplicationReport".
	Method string
	// Attempts lists the latest attempts in order (at most 16; an address
	// appears once per try).
	Attempts []AttemptError
	// Tries counts every try, including those no longer in Attempts.
	Tries int
	// Cause is the context's error if the context ended before the
	// retry policy gave up, else nil.
	Cause error
}

// add records a failed attempt, keeping the latest maxAttemptsKept.
func (e *FailoverError) add(addr string, err error) {
	e.Tries++
	if len(e.Attempts) >= maxAttemptsKept {
		e.Attempts = append(e.Attempts[:0], e.Attempts[1:]...)
	}
	e.Attempts = append(e.Attempts, AttemptError{Addr: addr, Err: err})
}

// Error names the method and, for each address in the order first tried,
// the last thing it said.
func (e *FailoverError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "yarn: %s: no ResourceManager could serve the call (%d tries)", e.Method, e.Tries)
	if e.Cause != nil {
		fmt.Fprintf(&b, " (%v)", e.Cause)
	}
	var order []string
	last := make(map[string]error)
	for _, a := range e.Attempts {
		if _, seen := last[a.Addr]; !seen {
			order = append(order, a.Addr)
		}
		last[a.Addr] = a.Err
	}
	for i, addr := range order {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %v", addr, last[addr])
	}
	return b.String()
}

// Unwrap returns the context error (if any) and every attempt's error, so
// errors.Is/As see through a FailoverError.
func (e *FailoverError) Unwrap() []error {
	out := make([]error, 0, len(e.Attempts)+1)
	if e.Cause != nil {
		out = append(out, e.Cause)
	}
	for _, a := range e.Attempts {
		out = append(out, a.Err)
	}
	return out
}

// sleepCtx waits for d or until ctx ends, returning ctx.Err() in the latter
// case.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff produces waits growing from min to max by doubling.
type backoff struct {
	next, max time.Duration
}

// wait sleeps for the current interval (bounded by ctx) and doubles it.
func (b *backoff) wait(ctx context.Context) error {
	d := b.next
	b.next *= 2
	if b.next > b.max {
		b.next = b.max
	}
	return sleepCtx(ctx, d)
}
