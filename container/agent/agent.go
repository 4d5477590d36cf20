package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
)

// Defaults of Config.
const (
	// DefaultGiveUpAfter is how long the agent keeps trying to reach an
	// ApplicationMaster that does not answer before Run gives up.
	DefaultGiveUpAfter = 2 * time.Minute
	// DefaultRecheck is how often an agent waiting for a command checks that the
	// driver has not withdrawn it.
	DefaultRecheck = 30 * time.Second
)

// Config configures Run.
type Config struct {
	// ExecutorID is the executor's id (SPINDLE_EXECUTOR_ID); required.
	ExecutorID string
	// Host is where the executor runs, for the driver's display.
	Host string
	// Runner runs the commands (nil: ShellRunner("", 0)).
	Runner Runner
	// Log receives what the agent does (nil: nothing).
	Log logrus.FieldLogger
	// GiveUpAfter bounds how long the ApplicationMaster may be unreachable
	// (0: DefaultGiveUpAfter).
	GiveUpAfter time.Duration
	// Recheck is how often a waiting agent checks for withdrawn commands (0: DefaultRecheck).
	Recheck time.Duration
}

// errShutdown means the ApplicationMaster is shutting down.
var errShutdown = errors.New("the ApplicationMaster is shutting down")

// agent is one Run.
type agent struct {
	sdk     *container.Client
	cfg     Config
	log     logrus.FieldLogger
	run     Runner
	giveUp  time.Duration
	recheck time.Duration
}

// Run is the agent: it announces itself at ReadyKey, then runs every command
// that names its executor, in order, storing each outcome at OutputKey and
// interrupting a command when its CancelKey appears. It returns nil when ctx
// ends (after stopping and reporting a running command) or when the
// ApplicationMaster shuts down, and an error when the ApplicationMaster has been
// unreachable for Config.GiveUpAfter or refuses the agent.
func Run(ctx context.Context, sdk *container.Client, cfg Config) error {
	if sdk == nil {
		return errors.New("shell agent: no ApplicationMaster client")
	}
	if cfg.ExecutorID == "" {
		return errors.New("shell agent: no executor id (is SPINDLE_EXECUTOR_ID set?)")
	}
	a := &agent{sdk: sdk, cfg: cfg, log: cfg.Log, run: cfg.Runner, giveUp: cfg.GiveUpAfter, recheck: cfg.Recheck}
	if a.log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		a.log = l
	}
	if a.run == nil {
		a.run = ShellRunner("", 0)
	}
	if a.giveUp <= 0 {
		a.giveUp = DefaultGiveUpAfter
	}
	if a.recheck <= 0 {
		a.recheck = DefaultRecheck
	}
	err := a.loop(ctx)
	switch {
	case ctx.Err() != nil:
		a.log.Info("shell agent stopping")
		return nil
	case errors.Is(err, errShutdown):
		a.log.Info("the ApplicationMaster is shutting down; shell agent stopping")
		return nil
	}
	return err
}

func (a *agent) loop(ctx context.Context) error {
	id := a.cfg.ExecutorID
	var latest int
	err := a.retry(ctx, "read "+KeySeq, func(ctx context.Context) error {
		var err error
		latest, err = a.latestSeq(ctx)
		return err
	})
	if err != nil {
		return err
	}
	ready, err := json.Marshal(Ready{Executor: id, Host: a.cfg.Host, From: latest + 1})
	if err != nil {
		return fmt.Errorf("shell agent: encode the ready mark: %w", err)
	}
	if err := a.retry(ctx, "announce the agent", func(ctx context.Context) error {
		return a.sdk.Put(ctx, ReadyKey(id), ready)
	}); err != nil {
		return err
	}
	a.log.Infof("shell agent of executor %s ready on %s; taking commands from %d", id, a.cfg.Host, latest+1)
	for next := latest + 1; ; next++ {
		cmd, err := a.await(ctx, next)
		if err != nil {
			return err
		}
		if cmd != nil && cmd.For(id) {
			a.execute(ctx, cmd)
		}
	}
}

// latestSeq reads KeySeq (absent: 0).
func (a *agent) latestSeq(ctx context.Context) (int, error) {
	v, err := a.sdk.Get(ctx, KeySeq)
	if errors.Is(err, container.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(v)))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s holds %q, not a command number", KeySeq, v)
	}
	return n, nil
}

// await waits for command seq. It returns nil without an error when the command
// was withdrawn (the driver deleted it before this agent looked) or is malformed:
// either way the agent moves on to the next.
func (a *agent) await(ctx context.Context, seq int) (*Command, error) {
	var f failures
	for {
		wctx, cancel := context.WithTimeout(ctx, a.recheck)
		v, err := a.sdk.Wait(wctx, CommandKey(seq))
		timedOut := wctx.Err() != nil
		cancel()
		switch {
		case err == nil:
			var c Command
			if err := json.Unmarshal(v, &c); err != nil {
				a.log.WithError(err).Warnf("skipping command %d: it is not valid JSON", seq)
				return nil, nil
			}
			return &c, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case timedOut:
			// Nothing yet. The driver deletes commands once every executor they
			// name has answered, so a command numbered at most shell/seq that is
			// absent was withdrawn and will not come.
			latest, err := a.latestSeq(ctx)
			if err != nil {
				if ferr := a.backoff(ctx, &f, "check for withdrawn commands", err); ferr != nil {
					return nil, ferr
				}
				continue
			}
			f = failures{}
			if latest < seq {
				continue
			}
			_, err = a.sdk.Get(ctx, CommandKey(seq))
			if errors.Is(err, container.ErrNotFound) {
				a.log.Debugf("command %d was withdrawn before this agent saw it", seq)
				return nil, nil
			}
		default:
			if ferr := a.backoff(ctx, &f, fmt.Sprintf("wait for command %d", seq), err); ferr != nil {
				return nil, ferr
			}
		}
	}
}

// execute runs cmd, watching for its cancellation, and reports the outcome.
func (a *agent) execute(ctx context.Context, cmd *Command) {
	a.log.Infof("command %d: %s", cmd.Seq, cmd.Command)
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var timeout time.Duration
	if cmd.TimeoutSeconds > 0 {
		timeout = time.Duration(cmd.TimeoutSeconds) * time.Second
		var cancelT context.CancelFunc
		rctx, cancelT = context.WithTimeoutCause(rctx, timeout, ErrTimedOut)
		defer cancelT()
	}
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		a.watchCancel(rctx, cmd.Seq, cancel)
	}()
	start := time.Now()
	res := a.run(rctx, cmd.Command)
	var why string
	if rctx.Err() != nil {
		switch cause := context.Cause(rctx); {
		case errors.Is(cause, ErrInterrupted):
			why = "interrupted"
		case errors.Is(cause, ErrTimedOut):
			why = fmt.Sprintf("timed out after %v", timeout)
		default:
			why = "the executor is stopping"
		}
	}
	cancel(nil)
	<-watched
	out := Output{Executor: a.cfg.ExecutorID, Host: a.cfg.Host, ExitCode: res.ExitCode,
		Output: string(res.Output), Truncated: res.Truncated, Error: joinNonEmpty(why, res.Error)}
	a.log.Infof("command %d: exit code %d after %v%s", cmd.Seq, out.ExitCode, time.Since(start).Round(time.Millisecond), suffix(out.Error))
	a.report(ctx, cmd.Seq, out)
}

// watchCancel calls cancel(ErrInterrupted) when CancelKey(seq) appears, until ctx ends.
func (a *agent) watchCancel(ctx context.Context, seq int, cancel context.CancelCauseFunc) {
	if _, err := WaitKey(ctx, a.sdk, CancelKey(seq)); err != nil {
		return // ctx ended
	}
	a.log.Infof("command %d: interrupted by the driver", seq)
	cancel(ErrInterrupted)
}

// report stores out at OutputKey, shortening the output to fit a value. When ctx
// has ended (the agent is stopping) it still tries, briefly.
func (a *agent) report(ctx context.Context, seq int, out Output) {
	b, err := encodeOutput(&out)
	if err != nil {
		a.log.WithError(err).Errorf("command %d: cannot encode the outcome", seq)
		return
	}
	if ctx.Err() != nil {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := a.sdk.Put(pctx, OutputKey(seq, a.cfg.ExecutorID), b); err != nil {
			a.log.WithError(err).Warnf("command %d: could not report the outcome", seq)
		}
		return
	}
	if err := a.retry(ctx, fmt.Sprintf("report the outcome of command %d", seq), func(ctx context.Context) error {
		return a.sdk.Put(ctx, OutputKey(seq, a.cfg.ExecutorID), b)
	}); err != nil {
		a.log.WithError(err).Warnf("command %d: could not report the outcome", seq)
	}
}

// encodeOutput marshals out, cutting its output until it fits a key-value value.
func encodeOutput(out *Output) ([]byte, error) {
	for {
		b, err := json.Marshal(out)
		if err != nil || len(b) <= container.MaxKVValueSize {
			return b, err
		}
		// JSON escaping can make the text up to six times longer: cut in proportion.
		keep := len(out.Output) * container.MaxKVValueSize / len(b) * 9 / 10
		for keep > 0 && !utf8.RuneStart(out.Output[keep]) {
			keep--
		}
		out.Output, out.Truncated = out.Output[:keep], true
	}
}

// retry calls f until it succeeds, backing off, and gives up when ctx ends, the
// ApplicationMaster shuts down or refuses the agent, or it has failed for GiveUpAfter.
func (a *agent) retry(ctx context.Context, what string, f func(context.Context) error) error {
	var fl failures
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ferr := a.backoff(ctx, &fl, what, err); ferr != nil {
			return ferr
		}
	}
}

// failures tracks consecutive failures to reach the ApplicationMaster.
type failures struct {
	since time.Time
	n     int
}

// backoff records err in f and sleeps before the next try. It returns an error
// when the agent should stop trying.
func (a *agent) backoff(ctx context.Context, f *failures, what string, err error) error {
	var se *container.StatusError
	if errors.As(err, &se) {
		switch se.StatusCode {
		case http.StatusServiceUnavailable:
			return errShutdown
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("shell agent: %s: %w", what, err)
		}
	}
	if f.n == 0 {
		f.since = time.Now()
	}
	f.n++
	if time.Since(f.since) > a.giveUp {
		return fmt.Errorf("shell agent: %s: the ApplicationMaster has not answered for %v: %w", what, a.giveUp.Round(time.Second), err)
	}
	a.log.WithError(err).Debugf("%s (try %d)", what, f.n)
	d := min(time.Duration(f.n)*500*time.Millisecond, 5*time.Second)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}

func suffix(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
