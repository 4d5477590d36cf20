package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
)

// Input supplies a session's lines.
type Input interface {
	// ReadLine returns the next line without its line ending, io.EOF at the end
	// of the input, or ctx's error once ctx ends.
	ReadLine(ctx context.Context) (string, error)
}

// RunOptions configure Session.Run.
type RunOptions struct {
	// Executors is how many executors to wait for before the first line (0: none).
	Executors int
	// HeartbeatInterval is how often the driver tells the ApplicationMaster it is
	// alive and checks that the application goes on (0: 5 s).
	HeartbeatInterval time.Duration
	// LostAfter ends the session when the ApplicationMaster has not answered for
	// that long (0: max(3 heartbeats, 15 s)).
	LostAfter time.Duration
	// Log receives heartbeat problems (nil: nothing).
	Log logrus.FieldLogger
	// AppEnded, when set, is asked whenever the ApplicationMaster does not answer
	// a heartbeat (the cluster may know that the application has ended); a non-nil
	// error ends the session at once.
	AppEnded func(ctx context.Context) error
}

// Outcome is how a session ended.
type Outcome struct {
	// Commands is how many lines ran something; Failed how many of them failed.
	Commands, Failed int
	// StartErr is set when the executors asked for were not all ready at the
	// start; the session went on with those that were.
	StartErr error
	// Interrupted is set when ctx ended the session (a signal).
	Interrupted bool
	// Lost is set when the session ended because the application is ending or its
	// ApplicationMaster stopped answering.
	Lost error
	// ExitCode and Diagnostics are the outcome reported to the ApplicationMaster.
	ExitCode    int
	Diagnostics string
	// FinishErr is set when the outcome could not be reported.
	FinishErr error
}

// LostError ends a session whose application is going away.
type LostError struct{ Reason string }

func (e *LostError) Error() string { return e.Reason }

// Run is a whole session as the application's client-mode driver: it keeps the
// ApplicationMaster informed with heartbeats, waits for the executors, runs
// every line of in until its end, :quit, ctx's end or the application's end, and
// reports the outcome to the ApplicationMaster (sdk.Finish): exit code 0 when the
// session ended normally (end of input or :quit) even if commands failed
// (Outcome.Failed says how many), 130 when ctx ended it.
func (s *Session) Run(ctx context.Context, in Input, opts RunOptions) Outcome {
	interval := opts.HeartbeatInterval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	lostAfter := opts.LostAfter
	if lostAfter <= 0 {
		lostAfter = max(3*interval, 15*time.Second)
	}
	log := opts.Log
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	sctx, endSession := context.WithCancelCause(ctx)
	defer endSession(nil)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.monitor(sctx, endSession, interval, lostAfter, opts.AppEnded, log)
	}()

	reason := "end of input"
	var startErr error
	if opts.Executors > 0 {
		if err := s.WaitForExecutors(sctx, opts.Executors); err != nil && sctx.Err() == nil {
			fmt.Fprintf(s.cfg.Err, "%v\n", err)
			startErr = err
		}
	}
	for sctx.Err() == nil {
		line, err := in.ReadLine(sctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if sctx.Err() == nil {
				reason = "the input failed: " + err.Error()
			}
			break
		}
		quit, _ := s.Exec(sctx, line)
		if quit {
			reason = ":quit"
			break
		}
	}
	cause := context.Cause(sctx)
	endSession(nil)
	wg.Wait()

	out := Outcome{Commands: s.commands, Failed: s.failed, StartErr: startErr}
	var lost *LostError
	switch {
	case errors.As(cause, &lost):
		out.Lost = lost
		out.ExitCode, out.Diagnostics = 1, "the shell session ended: "+lost.Reason
	case ctx.Err() != nil:
		out.Interrupted = true
		out.ExitCode, out.Diagnostics = 130, "the shell session was interrupted"
	default:
		out.Diagnostics = fmt.Sprintf("the shell session ended (%s): %d commands, %d failed", reason, out.Commands, out.Failed)
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if out.Lost == nil {
		out.FinishErr = s.sdk.Finish(fctx, out.ExitCode, out.Diagnostics)
	}
	return out
}

// monitor sends heartbeats and watches the application until ctx ends; it ends
// the session when the application is finishing or the ApplicationMaster has
// not answered for lostAfter.
func (s *Session) monitor(ctx context.Context, endSession context.CancelCauseFunc, interval, lostAfter time.Duration, appEnded func(context.Context) error, log logrus.FieldLogger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var failingSince time.Time
	for {
		hctx, cancel := context.WithTimeout(ctx, max(interval, 5*time.Second))
		err := s.sdk.Heartbeat(hctx)
		var app container.AppInfo
		if err == nil {
			app, err = s.sdk.App(hctx)
		}
		cancel()
		if err == nil && app.State != "" && app.State != "running" && app.State != "starting" {
			reason := "the application is " + app.State
			if app.Diagnostics != "" {
				reason += ": " + app.Diagnostics
			}
			endSession(&LostError{Reason: reason})
			return
		}
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			failingSince = time.Time{}
		default:
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			log.WithError(err).Debug("shell heartbeat failed")
			if appEnded != nil {
				actx, cancel := context.WithTimeout(ctx, 30*time.Second)
				ended := appEnded(actx)
				cancel()
				if ended != nil && ctx.Err() == nil {
					endSession(&LostError{Reason: ended.Error()})
					return
				}
			}
			if time.Since(failingSince) >= lostAfter {
				endSession(&LostError{Reason: fmt.Sprintf("the ApplicationMaster has not answered for %v: %v", lostAfter, err)})
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// scriptInput reads lines from a reader, for sessions whose input is not a terminal.
type scriptInput struct {
	once  sync.Once
	r     *bufio.Reader
	lines chan scriptLine
}

type scriptLine struct {
	text string
	err  error
}

// NewScriptInput returns an Input that reads the lines of r, without a prompt.
// A line being read when ctx ends is lost with the goroutine reading it.
func NewScriptInput(r io.Reader) Input {
	return &scriptInput{r: bufio.NewReader(r), lines: make(chan scriptLine)}
}

// ReadLine implements Input.
func (in *scriptInput) ReadLine(ctx context.Context) (string, error) {
	in.once.Do(func() { go in.read() })
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case l, ok := <-in.lines:
		if !ok {
			return "", io.EOF
		}
		return l.text, l.err
	}
}

func (in *scriptInput) read() {
	defer close(in.lines)
	for {
		text, err := in.r.ReadString('\n')
		if text != "" {
			in.lines <- scriptLine{text: strings.TrimRight(text, "\r\n")}
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			in.lines <- scriptLine{err: fmt.Errorf("read the input: %w", err)}
			return
		}
	}
}
