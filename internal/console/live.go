package console

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// JSONEvent is one line of --json: an event of a running application.
type JSONEvent struct {
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

// JSONLines writes events as JSON lines, one at a time, each stamped with
// the time and the application id.
type JSONLines struct {
	mu  sync.Mutex
	enc *json.Encoder
	app string
}

// NewJSONLines returns a JSONLines writing to w.
func NewJSONLines(w io.Writer) *JSONLines { return &JSONLines{enc: json.NewEncoder(w)} }

// Emit writes e, stamped with the time and the application id.
func (j *JSONLines) Emit(e JSONEvent) {
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

// AMEvent turns an AM event into a JSON line.
func AMEvent(e container.Event) JSONEvent {
	return JSONEvent{Type: e.Type, Executor: e.Executor, Replaces: e.Replaces, Container: e.Container, Host: e.Host,
		ExitStatus: e.ExitStatus, Message: e.Message}
}

// outputWriter turns the driver's writes to one stream into output events.
type outputWriter struct {
	j      *JSONLines
	stream string
}

// Write implements io.Writer: p becomes one output event.
func (o outputWriter) Write(p []byte) (int, error) {
	o.j.Emit(JSONEvent{Type: "output", Stream: o.stream, Data: string(p)})
	return len(p), nil
}

// WireJSON makes cfg report every event as a JSON line on w, and log write
// JSON; withOutput streams the driver's output as output events.
func WireJSON(log *logrus.Logger, cfg *client.RunConfig, w io.Writer, withOutput bool) *JSONLines {
	j := NewJSONLines(w)
	log.SetFormatter(&logrus.JSONFormatter{})
	cfg.Progress = nil
	cfg.OnReport = func(r *client.Report) {
		e := JSONEvent{Type: "state", App: r.ID, State: r.State, Diagnostics: r.Diagnostics, TrackingURL: r.TrackingURL}
		if r.Terminal() {
			e.FinalStatus = r.FinalStatus
		}
		j.Emit(e)
	}
	cfg.OnAMEvent = func(e container.Event) { j.Emit(AMEvent(e)) }
	if withOutput {
		cfg.Stdout, cfg.Stderr = outputWriter{j, container.StreamStdout}, outputWriter{j, container.StreamStderr}
	} else {
		cfg.Quiet = true
	}
	return j
}

// FinishedEvent is the last JSON line: how the application ended.
func FinishedEvent(out *client.Outcome) JSONEvent {
	code := out.ExitCode()
	e := JSONEvent{Type: "finished", App: out.ID.String(), Diagnostics: out.Diagnostics, ExitCode: &code}
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

// WireText makes cfg print executor events as log lines on log and, when stderr
// is a terminal, keep a status line at the bottom. The returned function
// removes the status line.
func WireText(log *logrus.Logger, stderr io.Writer, cfg *client.RunConfig, verbose, quiet, withStatus bool) (stop func()) {
	cfg.Quiet = quiet
	cfg.OnAMEvent = func(e container.Event) {
		switch e.Type {
		case container.EventExecutorFailed, container.EventExecutorLost:
			log.Warn(e.Message)
		case container.EventExecutorReplaced, container.EventAttemptStarted:
			log.Info(e.Message)
		case container.EventExecutorStarted, container.EventExecutorCompleted:
			if verbose {
				log.Info(e.Message)
			}
		default:
			log.Debug(e.Message)
		}
	}
	if !withStatus || !staging.IsTerminal(stderr) {
		return func() {}
	}
	sl := NewStatusLine(stderr)
	cfg.Stdout, cfg.Stderr = sl.Wrap(cfg.Stdout), sl.Wrap(cfg.Stderr)
	log.SetOutput(sl.Wrap(stderr))
	report := cfg.OnReport
	cfg.OnReport = func(r *client.Report) {
		if report != nil {
			report(r)
		}
		sl.SetState(r.State)
	}
	cfg.OnAppInfo = sl.SetInfo
	return sl.Stop
}

// PrintFailure shows, after a failed application, the last lines of a
// cluster-mode driver's stderr and the command that shows all of it.
func PrintFailure(w io.Writer, out *client.Outcome, cluster bool) {
	if out.Succeeded || out.Interrupted || out.Submitted || out.Report == nil {
		return
	}
	if d := strings.TrimSpace(out.Diagnostics); d != "" && d != BriefDiagnostics(d) { // ReportPrinter showed the brief form
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
