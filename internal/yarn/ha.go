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

// Default failover tuning.
const (
	defaultPasses         = 2
	defaultRetriableTries = 2
	defaultRetryBackoff   = 200 * time.Millisecond
	defaultPassBackoff    = 500 * time.Millisecond
)

// failover runs calls against a list of equivalent server addresses (the
// ResourceManagers of an HA pair/group, in rm-id order), starting with the
// one that answered last.
type failover struct {
	addrs []string

	mu     sync.Mutex
	active int // index into addrs of the server that answered last

	passes         int           // how many times the list is walked at most
	retriableTries int           // extra tries on one address after RetriableError
	retryBackoff   time.Duration // wait before such a retry (multiplied by the try number)
	passBackoff    time.Duration // wait between passes over the list
}

// newFailover validates addrs and returns a failover with default tuning.
func newFailover(addrs []string) (*failover, error) {
	if len(addrs) == 0 {
		return nil, errors.New("no addresses given")
	}
	for _, a := range addrs {
		if strings.TrimSpace(a) == "" {
			return nil, errors.New("empty address in list")
		}
	}
	return &failover{
		addrs:          append([]string(nil), addrs...),
		passes:         defaultPasses,
		retriableTries: defaultRetriableTries,
		retryBackoff:   defaultRetryBackoff,
		passBackoff:    defaultPassBackoff,
	}, nil
}

// activeAddr returns the address calls start with.
func (f *failover) activeAddr() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addrs[f.active]
}

// setActive remembers index i as the server to start with.
func (f *failover) setActive(i int) {
	f.mu.Lock()
	f.active = i
	f.mu.Unlock()
}

// do runs call against the addresses, starting with the remembered active
// one. It moves on to the next address on connection failures,
// StandbyError, and RetriableError (after retrying the same address with a
// back-off), walking the list at most f.passes times with a pause between
// passes. The address that answers (successfully or with an exception other
// than standby/retriable) becomes the active one. Other errors are returned
// at once, wrapped with method and address; when every attempt failed, the
// result is a *FailoverError naming what each address said.
func (f *failover) do(ctx context.Context, method string, call func(ctx context.Context, addr string) error) error {
	f.mu.Lock()
	start := f.active
	f.mu.Unlock()
	n := len(f.addrs)
	fe := &FailoverError{Method: method}
	for pass := 0; pass < f.passes; pass++ {
		if pass > 0 {
			if err := sleepCtx(ctx, f.passBackoff); err != nil {
				fe.Cause = err
				return fe
			}
		}
		for k := 0; k < n; k++ {
			i := (start + k) % n
			addr := f.addrs[i]
			err := f.tryOne(ctx, addr, call)
			if err == nil {
				f.setActive(i)
				return nil
			}
			if !isFailoverError(err) {
				var re *ipc.RemoteError
				if errors.As(err, &re) {
					// The server answered: it is the active one.
					f.setActive(i)
				}
				return fmt.Errorf("yarn: %s at %s: %w", method, addr, err)
			}
			fe.Attempts = append(fe.Attempts, AttemptError{Addr: addr, Err: err})
			if cerr := ctx.Err(); cerr != nil {
				fe.Cause = cerr
				return fe
			}
		}
	}
	return fe
}

// tryOne calls addr, retrying it after RetriableError with a back-off.
func (f *failover) tryOne(ctx context.Context, addr string, call func(ctx context.Context, addr string) error) error {
	for try := 0; ; try++ {
		err := call(ctx, addr)
		var re *ipc.RetriableError
		if err == nil || !errors.As(err, &re) || try >= f.retriableTries {
			return err
		}
		if serr := sleepCtx(ctx, f.retryBackoff*time.Duration(try+1)); serr != nil {
			return err
		}
	}
}

// isFailoverError reports whether err means "try another server":
// connection failures, standby and (persistently) retriable servers.
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

// FailoverError reports that a call failed on every server address it was
// allowed to try (ResourceManager HA): each was unreachable, standby or
// persistently busy, or the context ended first.
type FailoverError struct {
	// Method is the RPC method, e.g. "getApplicationReport".
	Method string
	// Attempts lists every attempt in order (an address may appear once
	// per pass).
	Attempts []AttemptError
	// Cause is the context's error if the context ended before the
	// attempts were exhausted, else nil.
	Cause error
}

// Error names the method and, for each address in the order first tried,
// the last thing it said.
func (e *FailoverError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "yarn: %s failed on every server", e.Method)
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
