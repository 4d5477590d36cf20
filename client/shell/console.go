package shell

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
)

// Signals decides what a signal means to a session: SIGINT interrupts the
// running command when there is one; SIGTERM, SIGHUP, or SIGINT while no
// command runs end the session.
type Signals struct {
	interrupt atomic.Pointer[func() bool]
}

// WatchSignals returns a context that ends as Signals decides (not at the
// first SIGINT, as a command's context would), and the function that stops
// watching. Install the session's interrupt with SetInterrupt.
func WatchSignals(ctx context.Context, log logrus.FieldLogger) (context.Context, *Signals, func()) {
	sctx, endSession := context.WithCancel(context.WithoutCancel(ctx))
	s := &Signals{}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		for {
			select {
			case <-sctx.Done():
				return
			case sig := <-sigs:
				if f := s.interrupt.Load(); sig == os.Interrupt && f != nil && (*f)() {
					continue
				}
				log.Warnf("%v: ending the session", sig)
				endSession()
				return
			}
		}
	}()
	return sctx, s, func() { signal.Stop(sigs); endSession() }
}

// SetInterrupt sets what SIGINT calls; it returns whether it interrupted something.
func (s *Signals) SetInterrupt(f func() bool) { s.interrupt.Store(&f) }

// Console runs a session on this process's terminal with line editing, or,
// when standard input or out is not a terminal, on the lines of in.
type Console struct {
	In     *os.File
	Out    io.Writer
	Err    io.Writer
	Log    *logrus.Logger
	Config Config // Out and Err are filled in
	// HistoryFile keeps the lines typed at the prompt between sessions
	// ("" for no file: the history lasts as long as the session).
	HistoryFile string
}

// Run runs the session against sdk until its end (see Session.Run).
func (c *Console) Run(ctx context.Context, sdk *container.Client, sig *Signals, ro RunOptions) Outcome {
	cfg := c.Config
	cfg.Out, cfg.Err = c.Out, c.Err
	var in Input = NewScriptInput(c.In)
	var term *Terminal
	if out, ok := c.Out.(*os.File); ok && IsTerminal(c.In, out) {
		t, err := OpenTerminal(c.In, out, "spindle> ")
		if err != nil {
			c.Log.WithError(err).Warn("no line editing: reading plain lines")
		} else {
			term = t
			if c.HistoryFile != "" {
				if err := t.LoadHistory(c.HistoryFile); err != nil {
					c.Log.WithError(err).Warn("the history of earlier sessions is not available")
				}
			}
			defer func() {
				if err := t.Close(); err != nil {
					c.Log.WithError(err).Warn("could not restore the terminal")
				}
				if err := t.HistoryError(); err != nil {
					c.Log.WithError(err).Warnf("could not save the shell history in %s", c.HistoryFile)
				}
			}()
			logOut := c.Log.Out
			c.Log.SetOutput(t)
			defer c.Log.SetOutput(logOut)
			cfg.Out, cfg.Err, in = t, t, t
		}
	}
	s := NewSession(sdk, cfg)
	sig.SetInterrupt(s.Interrupt)
	if term != nil {
		term.OnInterrupt(s.Interrupt)
		fmt.Fprintf(term, "spindle shell on %s: commands run on every executor. :help lists the session's commands; Ctrl-D ends it.\n", sdk.Env().AppID)
	}
	ro.Log = c.Log
	return s.Run(ctx, in, ro)
}
