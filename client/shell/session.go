// Package shell is the driver side of `spindle shell`: an interactive session
// that runs shell commands on every executor of a client-mode application and
// prints their output, prefixed with the executor's id and host.
//
// It talks to the executors' agents (package container/agent) only through the
// ApplicationMaster's key-value store, with a container.Client, so it works the
// same whether the ApplicationMaster runs in YARN or locally.
package shell

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/container/agent"
)

// Defaults of Config.
const (
	// DefaultReadyTimeout bounds the wait for executors at the start and after :scale.
	DefaultReadyTimeout = 3 * time.Minute
	// DefaultPollInterval is how often the executor table is read while waiting.
	DefaultPollInterval = time.Second
	// DefaultLogTail is how much of each log file :logs prints, from the end.
	DefaultLogTail = 64 << 10
)

// Grace periods of a command's collection.
const (
	// answerGrace is how long after its timeout a command's answers may take.
	answerGrace = 30 * time.Second
	// interruptGrace is how long agents have to answer after an interrupt.
	interruptGrace = 10 * time.Second
)

// errInterrupted ends a wait that the user interrupted.
var errInterrupted = errors.New("interrupted")

// Config configures a Session.
type Config struct {
	// Out receives the commands' output and the tables.
	Out io.Writer
	// Err receives progress, warnings and failures.
	Err io.Writer
	// CommandTimeout stops a command that runs longer (0: no limit).
	CommandTimeout time.Duration
	// ReadyTimeout bounds waits for executors (0: DefaultReadyTimeout).
	ReadyTimeout time.Duration
	// PollInterval is how often executors are checked while waiting (0: DefaultPollInterval).
	PollInterval time.Duration
	// HTTPClient fetches executor logs for :logs (nil: a client with a 30 s timeout).
	HTTPClient *http.Client
	// LogTail is how many bytes of each log file :logs prints, from the end (0: DefaultLogTail).
	LogTail int64
}

// Session runs commands on the executors of one application. Exec and Run are
// for one goroutine; Interrupt may be called from any.
type Session struct {
	sdk *container.Client
	cfg Config

	seq      int // the last command issued
	commands int // lines that ran something
	failed   int // ... and failed

	mu   sync.Mutex
	intr chan struct{} // the running operation's interrupts; nil when idle
}

// NewSession returns a Session that reaches the executors through sdk.
func NewSession(sdk *container.Client, cfg Config) *Session {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Err == nil {
		cfg.Err = io.Discard
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.LogTail <= 0 {
		cfg.LogTail = DefaultLogTail
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}
	}
	return &Session{sdk: sdk, cfg: cfg}
}

// Commands returns how many lines ran a command so far, and how many of them failed.
func (s *Session) Commands() (total, failed int) { return s.commands, s.failed }

// Interrupt interrupts the running command (its agents stop it) or wait for
// executors. It reports whether there was one to interrupt; a second call for
// the same command stops waiting for its answers.
func (s *Session) Interrupt() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.intr == nil {
		return false
	}
	select {
	case s.intr <- struct{}{}:
	default:
	}
	return true
}

// begin marks the start of an interruptible operation and returns its interrupts.
func (s *Session) begin() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.intr = make(chan struct{}, 2)
	return s.intr
}

// end marks the end of the operation begin started.
func (s *Session) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.intr = nil
}

// Help is what :help prints.
const Help = `Type a shell command to run it with /bin/sh on every running executor, in its
working directory; each line of output is prefixed with [ID HOST].
  :executors        list the executors: ID HOST STATE CONTAINER EXIT
  :on ID COMMAND    run COMMAND on executor ID only
  :scale N          keep N executors running (waits until they are)
  :logs ID          print executor ID's stdout and stderr (the agent's log)
  :help             this help
  :quit             end the session (or Ctrl-D)
Ctrl-C interrupts the running command; the session goes on. At the prompt, Tab
completes a : command, Up and Down walk the history (kept between sessions) and
Ctrl-R finds the newest line holding what was typed (again: the one before).
`

// Exec runs one line of input: a shell command for every executor, or one of the
// colon commands of Help. A command that fails is reported on Config.Err and
// counted (see Commands). It returns quit for :quit, and an error only when ctx
// has ended.
func (s *Session) Exec(ctx context.Context, line string) (quit bool, err error) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return false, nil
	}
	ok := true
	if !strings.HasPrefix(line, ":") {
		ok = s.runCommand(ctx, "", line)
	} else {
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case ":quit", ":exit", ":q":
			return true, nil
		case ":help", ":h", ":?":
			fmt.Fprint(s.cfg.Out, Help)
			return false, ctx.Err()
		case ":executors", ":e":
			ok = s.printExecutors(ctx)
		case ":on":
			id, cmd, _ := strings.Cut(rest, " ")
			if cmd = strings.TrimSpace(cmd); id == "" || cmd == "" {
				fmt.Fprintln(s.cfg.Err, "usage: :on ID COMMAND")
				ok = false
			} else {
				ok = s.runCommand(ctx, id, cmd)
			}
		case ":scale":
			n, perr := strconv.Atoi(rest)
			if perr != nil || n < 0 {
				fmt.Fprintln(s.cfg.Err, "usage: :scale N (a whole number >= 0)")
				ok = false
			} else {
				ok = s.scale(ctx, n)
			}
		case ":logs":
			if rest == "" || strings.Contains(rest, " ") {
				fmt.Fprintln(s.cfg.Err, "usage: :logs ID")
				ok = false
			} else {
				ok = s.printLogs(ctx, rest)
			}
		default:
			fmt.Fprintf(s.cfg.Err, "unknown command %s (:help lists the commands)\n", word)
			ok = false
		}
	}
	s.commands++
	if !ok {
		s.failed++
	}
	return false, ctx.Err()
}

// readiness reads the executor table, sorted by id, and the agents' ready marks.
func (s *Session) readiness(ctx context.Context) ([]container.ExecutorInfo, map[string]agent.Ready, error) {
	execs, err := s.sdk.Executors(ctx)
	if err != nil {
		return nil, nil, err
	}
	sortExecutors(execs)
	marks, err := s.sdk.List(ctx, agent.ReadyPrefix)
	if err != nil {
		return nil, nil, err
	}
	ready := make(map[string]agent.Ready, len(marks))
	for k, v := range marks {
		var r agent.Ready
		if json.Unmarshal(v, &r) == nil {
			ready[strings.TrimPrefix(k, agent.ReadyPrefix)] = r
		}
	}
	return execs, ready, nil
}

// sortExecutors sorts by numeric id.
func sortExecutors(execs []container.ExecutorInfo) {
	sort.SliceStable(execs, func(i, j int) bool {
		a, b := execs[i].ID, execs[j].ID
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
}

// live reports whether an executor is, or is about to be, running.
func live(e container.ExecutorInfo) bool {
	return e.State == container.ExecutorRequested || e.State == container.ExecutorStarting || e.State == container.ExecutorRunning
}

// WaitForExecutors waits until exactly n executors are live and every one of them
// is running with its agent ready, for at most Config.ReadyTimeout. Interrupt ends
// the wait early.
func (s *Session) WaitForExecutors(ctx context.Context, n int) error {
	intr := s.begin()
	defer s.end()
	start := time.Now()
	deadline := time.NewTimer(s.cfg.ReadyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	said := false
	for {
		execs, ready, err := s.readiness(ctx)
		nLive, nReady := 0, 0
		if err == nil {
			for _, e := range execs {
				if live(e) {
					nLive++
				}
				if _, ok := ready[e.ID]; ok && e.State == container.ExecutorRunning {
					nReady++
				}
			}
			if nLive == n && nReady == n {
				if said {
					fmt.Fprintf(s.cfg.Err, "%s ready (%v)\n", executors(n), time.Since(start).Round(100*time.Millisecond))
				}
				return nil
			}
		}
		if !said {
			fmt.Fprintf(s.cfg.Err, "waiting for %s...\n", executors(n))
			said = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-intr:
			return fmt.Errorf("%w while waiting: %d of %d executors ready", errInterrupted, nReady, n)
		case <-deadline.C:
			if err != nil {
				return fmt.Errorf("no answer from the ApplicationMaster for %v: %w", s.cfg.ReadyTimeout, err)
			}
			return fmt.Errorf("only %d of %d executors are ready after %v (%d live); the ApplicationMaster keeps trying: see :executors",
				nReady, n, s.cfg.ReadyTimeout, nLive)
		case <-tick.C:
		}
	}
}

// scale is :scale N.
func (s *Session) scale(ctx context.Context, n int) bool {
	if err := s.sdk.Scale(ctx, n); err != nil {
		fmt.Fprintf(s.cfg.Err, "scale: %v\n", err)
		return false
	}
	if err := s.WaitForExecutors(ctx, n); err != nil {
		if ctx.Err() == nil {
			fmt.Fprintf(s.cfg.Err, "scale to %d: %v\n", n, err)
		}
		return false
	}
	return true
}

// printExecutors is :executors.
func (s *Session) printExecutors(ctx context.Context) bool {
	execs, err := s.sdk.Executors(ctx)
	if err != nil {
		fmt.Fprintf(s.cfg.Err, "executors: %v\n", err)
		return false
	}
	sortExecutors(execs)
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tHOST\tSTATE\tCONTAINER\tEXIT")
	for _, e := range execs {
		exit := "-"
		if e.ExitStatus != nil {
			exit = strconv.Itoa(*e.ExitStatus)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, orDash(e.Host), e.State, orDash(e.ContainerID), exit)
	}
	_ = tw.Flush()
	_, _ = s.cfg.Out.Write(buf.Bytes())
	return true
}

// executors is "1 executor", "2 executors", ...
func executors(n int) string {
	if n == 1 {
		return "1 executor"
	}
	return strconv.Itoa(n) + " executors"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
