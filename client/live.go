package client

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/client/logs"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// tailLines is how many of the driver's last stderr lines Outcome keeps.
const tailLines = 15

// Log files of the AM container that hold the cluster-mode driver's output.
const (
	stdoutFile = "stdout"
	stderrFile = "stderr"
)

// logWait bounds the wait for a finished application's AM container logs
// to appear (in the aggregated logs, some seconds after the end).
const logWait = 45 * time.Second

// Live describes what Run saw of a YARN application through its AM: filled
// in Outcome.Live.
type Live struct {
	// AMContainer is the last attempt's AM container (the driver's output is
	// its stdout and stderr in cluster mode).
	AMContainer string
	// DriverExitCode is the cluster-mode driver's exit code, when known.
	DriverExitCode *int
	// StderrTail holds the last lines of the cluster-mode driver's stderr.
	StderrTail []string
	// Requests counts the requests made to the AM's API.
	Requests int64
}

// lineTail keeps the last max lines written to it.
type lineTail struct {
	max     int
	partial []byte
	ls      []string
}

// write adds p.
func (t *lineTail) write(p []byte) {
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.push(string(t.partial[:i]))
		t.partial = t.partial[i+1:]
	}
	if len(t.partial) > 64<<10 { // a very long line: keep its start
		t.push(string(t.partial[:64<<10]))
		t.partial = nil
	}
}

func (t *lineTail) push(l string) {
	t.ls = append(t.ls, strings.TrimRight(l, "\r"))
	if len(t.ls) > t.max {
		t.ls = t.ls[len(t.ls)-t.max:]
	}
}

// lines returns the lines kept, with an unfinished last line.
func (t *lineTail) lines() []string {
	out := append([]string(nil), t.ls...)
	if len(t.partial) > 0 {
		out = append(out, string(t.partial))
	}
	if len(out) > t.max {
		out = out[len(out)-t.max:]
	}
	return out
}

// amLogLine matches the AM's own log lines in its container's stderr
// (console.LineFormatter with console.ContainerTimeLayout), which share the
// file with the driver's stderr.
var amLogLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO|WARN|ERROR|FATAL|PANIC|TRACE) `)

// isAMLogLine reports whether a line of the AM container's stderr is the
// AM's own log line, not the driver's: the AM's line format, or logrus's
// text format of older AMs.
func isAMLogLine(l string) bool {
	return amLogLine.MatchString(l) || strings.HasPrefix(l, `time="`) && strings.Contains(l, " level=")
}

// amContainer returns the AM container of the application's latest attempt.
func (c *Cluster) amContainer(ctx context.Context, id ApplicationID) (string, error) {
	ctx, cancel := c.withRPCTimeout(ctx)
	defer cancel()
	atts, err := c.rm.Attempts(ctx, id.yarn())
	if err != nil {
		return "", fmt.Errorf("list the attempts of %s: %w", id, err)
	}
	if len(atts) == 0 || atts[len(atts)-1].GetAmContainerId() == nil {
		return "", fmt.Errorf("%s has no AM container yet", id)
	}
	return yarn.ContainerIDFromProto(atts[len(atts)-1].GetAmContainerId()).String(), nil
}

// amLogs hands the AM container's log files named in files to fn, waiting
// (within logWait) for a finished application's logs to be aggregated.
func (c *Cluster) amLogs(ctx context.Context, id ApplicationID, amCont string, files []string, fn func(*logs.LogFile) error) error {
	ctx, cancel := context.WithTimeout(ctx, logWait)
	defer cancel()
	return c.fetchUntilAggregated(ctx, id, logs.Options{Containers: []string{amCont}, Files: files}, fn)
}

// fetchUntilAggregated hands the application's log files that opts selects
// to fn. While none is found and the ResourceManager knows the application
// (it has just ended and its logs are being aggregated), it looks again
// every 2 s until ctx ends.
func (c *Cluster) fetchUntilAggregated(ctx context.Context, id ApplicationID, opts logs.Options, fn func(*logs.LogFile) error) error {
	r := c.Logs(nil)
	for {
		_, err := r.Fetch(ctx, id, opts, fn)
		var nl *logs.NoLogsError
		if !errors.As(err, &nl) || nl.State == "" || ctx.Err() != nil {
			return err
		}
		sleepCtx(ctx, 2*time.Second)
	}
}

// restOfOutput copies what the driver wrote after the offsets the watcher
// reached from the AM container's log files to stdout and stderr (leaving
// out the AM's own log lines in stderr), when the AM went away before the
// watcher read it all. It returns the new tail of stderr.
func (c *Cluster) restOfOutput(ctx context.Context, id ApplicationID, amCont string, offsets map[string]int64, stdout, stderr io.Writer, tail *lineTail) error {
	return c.amLogs(ctx, id, amCont, []string{stdoutFile, stderrFile}, func(lf *logs.LogFile) error {
		if _, err := io.CopyN(io.Discard, lf.Content, offsets[lf.Name]); err != nil {
			return nil // shorter than what we have: nothing new
		}
		if lf.Name == stdoutFile {
			_, err := io.Copy(stdout, lf.Content)
			return err
		}
		sc := bufio.NewScanner(lf.Content)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if l := sc.Text(); !isAMLogLine(l) {
				fmt.Fprintln(stderr, l)
				tail.push(l)
			}
		}
		return sc.Err()
	})
}

// stderrTail reads the last lines the driver wrote to the AM container's
// stderr, without the AM's own log lines.
func (c *Cluster) stderrTail(ctx context.Context, id ApplicationID, amCont string) ([]string, error) {
	t := lineTail{max: tailLines}
	err := c.amLogs(ctx, id, amCont, []string{stderrFile}, func(lf *logs.LogFile) error {
		sc := bufio.NewScanner(lf.Content)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if l := sc.Text(); !isAMLogLine(l) {
				t.push(l)
			}
		}
		return sc.Err()
	})
	return t.lines(), err
}

// finishLive completes what the watcher saw once YARN reported the end:
// the rest of the driver's output when the AM went away first, and the
// driver's last stderr lines when the application failed.
func (s *session) finishLive(ctx context.Context, w *watcher, out *Outcome) {
	w.wait(ctx)
	amCont, complete, offsets, tail, exit := w.state()
	if amCont == "" {
		amCont, _ = s.cl.amContainer(ctx, s.app.ID)
	}
	out.Live = &Live{AMContainer: amCont, DriverExitCode: exit, StderrTail: tail, Requests: w.requests.Load()}
	if amCont == "" {
		return
	}
	if w.output && !complete {
		t := lineTail{max: tailLines, ls: tail}
		if err := s.cl.restOfOutput(ctx, s.app.ID, amCont, offsets, s.cfg.Stdout, s.cfg.Stderr, &t); err != nil {
			s.cfg.Log.WithError(err).Warnf("could not read the rest of the driver's output (spindle logs %s --container %s)", s.app.ID, amCont)
		}
		out.Live.StderrTail = t.lines()
	}
	if !w.output && !out.Succeeded && s.opts.DeployMode == "cluster" {
		if t, err := s.cl.stderrTail(ctx, s.app.ID, amCont); err == nil {
			out.Live.StderrTail = t
		}
	}
}
