package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// liveFlags say how submit and shell show a running application.
type liveFlags struct {
	quiet      bool
	json       bool
	jsonOutput bool
}

// add registers the flags; shell has no driver output to stream.
func (l *liveFlags) add(fs *pflag.FlagSet, shell bool) {
	if shell {
		fs.BoolVar(&l.json, "json", false, "print one JSON object per line on stderr for every event (submitted, state, executor-started/failed/replaced, finished) and log line")
		return
	}
	fs.BoolVarP(&l.quiet, "quiet", "q", false, "do not stream a cluster-mode driver's output to this terminal")
	fs.BoolVar(&l.json, "json", false, "print one JSON object per line on stdout for every event (submitted, state, attempt-started, executor-started/failed/replaced, finished) instead of text; logs become JSON on stderr")
	fs.BoolVar(&l.jsonOutput, "json-output", false, "with --json, also stream the driver's output as \"output\" events (cluster mode)")
}

// jsonEvent is one line of --json.
type jsonEvent struct {
	Type           string    `json:"type"`
	Time           time.Time `json:"time"`
	App            string    `json:"app,omitempty"`
	Queue          string    `json:"queue,omitempty"`
	State          string    `json:"state,omitempty"`
	FinalStatus    string    `json:"finalStatus,omitempty"`
	Diagnostics    string    `json:"diagnostics,omitempty"`
	TrackingURL    string    `json:"trackingUrl,omitempty"`
	Executor       string    `json:"executor,omitempty"`
	Replaces       string    `json:"replaces,omitempty"`
	Container      string    `json:"container,omitempty"`
	Host           string    `json:"host,omitempty"`
	ExitStatus     *int      `json:"exitStatus,omitempty"`
	Message        string    `json:"message,omitempty"`
	Stream         string    `json:"stream,omitempty"`
	Data           string    `json:"data,omitempty"`
	ExitCode       *int      `json:"exitCode,omitempty"`
	DriverExitCode *int      `json:"driverExitCode,omitempty"`
}

// jsonLines writes events as JSON lines, one at a time.
type jsonLines struct {
	mu  sync.Mutex
	enc *json.Encoder
	app string
}

func newJSONLines(w io.Writer) *jsonLines { return &jsonLines{enc: json.NewEncoder(w)} }

// emit writes e, stamped with the time and the application id.
func (j *jsonLines) emit(e jsonEvent) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if e.App == "" {
		e.App = j.app
	} else {
		j.app = e.App
	}
	e.Time = time.Now().UTC()
	_ = j.enc.Encode(e)
}

// amEvent turns an AM event into a JSON line.
func amEvent(e container.Event) jsonEvent {
	return jsonEvent{Type: e.Type, Executor: e.Executor, Replaces: e.Replaces, Container: e.Container, Host: e.Host,
		ExitStatus: e.ExitStatus, Message: e.Message}
}

// outputWriter turns the driver's writes to one stream into output events.
type outputWriter struct {
	j      *jsonLines
	stream string
}

func (o outputWriter) Write(p []byte) (int, error) {
	o.j.emit(jsonEvent{Type: "output", Stream: o.stream, Data: string(p)})
	return len(p), nil
}

// wireJSON makes cfg report every event as a JSON line on w.
func wireJSON(env *cliEnv, cfg *client.RunConfig, w io.Writer, withOutput bool) *jsonLines {
	j := newJSONLines(w)
	env.log.SetFormatter(&logrus.JSONFormatter{})
	cfg.Progress = nil
	cfg.OnReport = func(r *client.Report) {
		e := jsonEvent{Type: "state", App: r.ID, State: r.State, Diagnostics: r.Diagnostics, TrackingURL: r.TrackingURL}
		if r.Terminal() {
			e.FinalStatus = r.FinalStatus
		}
		j.emit(e)
	}
	cfg.OnAMEvent = func(e container.Event) { j.emit(amEvent(e)) }
	if withOutput {
		cfg.Stdout, cfg.Stderr = outputWriter{j, container.StreamStdout}, outputWriter{j, container.StreamStderr}
	} else {
		cfg.Quiet = true
	}
	return j
}

// finishedEvent is the last JSON line: how the application ended.
func finishedEvent(out *client.Outcome) jsonEvent {
	code := out.ExitCode()
	e := jsonEvent{Type: "finished", App: out.ID.String(), Diagnostics: out.Diagnostics, ExitCode: &code}
	if out.Report != nil {
		e.State, e.FinalStatus = out.Report.State, out.Report.FinalStatus
	}
	switch {
	case out.Driver != nil:
		c := out.Driver.ExitCode
		e.DriverExitCode = &c
	case out.Live != nil:
		e.DriverExitCode = out.Live.DriverExitCode
	}
	return e
}

// wireText makes cfg print executor events as log lines and, when stderr
// is a terminal, keep a status line at the bottom. The returned function
// removes the status line.
func wireText(env *cliEnv, cfg *client.RunConfig, opts *client.Options, quiet, withStatus bool) (stop func()) {
	cfg.Quiet = quiet
	verbose := opts.Verbose
	cfg.OnAMEvent = func(e container.Event) {
		switch e.Type {
		case container.EventExecutorFailed, container.EventExecutorLost:
			env.log.Warn(e.Message)
		case container.EventExecutorReplaced, container.EventAttemptStarted:
			env.log.Info(e.Message)
		case container.EventExecutorStarted, container.EventExecutorCompleted:
			if verbose {
				env.log.Info(e.Message)
			}
		default:
			env.log.Debug(e.Message)
		}
	}
	if !withStatus || !staging.IsTerminal(env.stderr) {
		return func() {}
	}
	sl := newStatusLine(env.stderr)
	cfg.Stdout, cfg.Stderr = sl.wrap(cfg.Stdout), sl.wrap(cfg.Stderr)
	env.log.SetOutput(sl.wrap(env.stderr))
	report := cfg.OnReport
	cfg.OnReport = func(r *client.Report) {
		if report != nil {
			report(r)
		}
		sl.setState(r.State)
	}
	cfg.OnAppInfo = sl.setInfo
	return sl.stop
}

// printFailure shows, after a failed application, the last lines of a
// cluster-mode driver's stderr and the command that shows all of it.
func printFailure(env *cliEnv, out *client.Outcome, cluster bool) {
	if out.Succeeded || out.Interrupted || out.Submitted || out.Report == nil {
		return
	}
	w := env.stderr
	if d := strings.TrimSpace(out.Diagnostics); d != "" && d != briefDiagnostics(d) { // printReport showed the brief form
		fmt.Fprintf(w, "diagnostics: %s\n", d)
	}
	if !cluster || out.Live == nil || out.Live.AMContainer == "" {
		fmt.Fprintf(w, "all logs: spindle logs %s\n", out.ID)
		return
	}
	if t := out.Live.StderrTail; len(t) > 0 {
		fmt.Fprintf(w, "the driver's stderr ended with:\n")
		for _, l := range t {
			fmt.Fprintf(w, "  | %s\n", l)
		}
	}
	fmt.Fprintf(w, "the driver's whole stderr: spindle logs %s --container %s --file stderr\n", out.ID, out.Live.AMContainer)
}
