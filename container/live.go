package container

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Event types the ApplicationMaster records (Event.Type).
const (
	// EventAttemptStarted: an ApplicationMaster attempt registered.
	EventAttemptStarted = "attempt-started"
	// EventDriverStarted: the cluster-mode driver process started.
	EventDriverStarted = "driver-started"
	// EventDriverExited: the cluster-mode driver process ended.
	EventDriverExited = "driver-exited"
	// EventExecutorStarted: an executor's container is running.
	EventExecutorStarted = "executor-started"
	// EventExecutorCompleted: an executor's program exited 0.
	EventExecutorCompleted = "executor-completed"
	// EventExecutorFailed: an executor failed through its own fault; it
	// counts against the failure budget.
	EventExecutorFailed = "executor-failed"
	// EventExecutorLost: YARN or the AM took an executor's container away
	// (preemption, a kill, a lost node); it does not count as a failure.
	EventExecutorLost = "executor-lost"
	// EventExecutorReplaced: a new executor took the place of one that
	// failed or was lost (Event.Replaces names it).
	EventExecutorReplaced = "executor-replaced"
	// EventFinishing: the application's outcome is known; the AM is
	// stopping executors and unregistering.
	EventFinishing = "finishing"
	// EventScale is a decision of dynamic allocation: a new target, or an
	// idle executor released (Executor), with its reason.
	EventScale = "scale"
)

// Event is one entry of the ApplicationMaster's event log. GET
// /api/v1/events returns an EventPage of them.
type Event struct {
	// Seq numbers the events of one attempt from 1, without gaps.
	Seq int64 `json:"seq"`
	// Time is when the AM recorded it.
	Time time.Time `json:"time"`
	// Type is one of the Event* constants.
	Type string `json:"type"`
	// Executor is the executor id, for executor events.
	Executor string `json:"executor,omitempty"`
	// Replaces is the id of the executor a replacement stands in for.
	Replaces string `json:"replaces,omitempty"`
	// Container is the YARN container id (the AM's for attempt events).
	Container string `json:"container,omitempty"`
	// Host is the node.
	Host string `json:"host,omitempty"`
	// ExitStatus is the container's or the driver's exit status, when ended.
	ExitStatus *int `json:"exitStatus,omitempty"`
	// Message says what happened in words, with the reason for failures
	// (such as a memory kill with the limit).
	Message string `json:"message"`
}

// EventPage is the answer of GET /api/v1/events?from=N.
type EventPage struct {
	// Events are the events with Seq >= from that the AM still holds,
	// oldest first.
	Events []Event `json:"events"`
	// Next is the from of the following request.
	Next int64 `json:"next"`
	// Dropped counts events at or after from that the bounded log no longer
	// holds.
	Dropped int64 `json:"dropped,omitempty"`
}

// Driver output streams (OutputChunk.Stream).
const (
	StreamStdout = "stdout"
	StreamStderr = "stderr"
)

// OutputChunk is one write of the cluster-mode driver to its stdout or stderr.
type OutputChunk struct {
	// Seq numbers the chunks of one attempt from 1, without gaps.
	Seq int64 `json:"seq"`
	// Stream is StreamStdout or StreamStderr.
	Stream string `json:"stream"`
	// FileOffset is where Data starts in the AM container's log file of the
	// same name (the AM's own log lines are in stderr too).
	FileOffset int64 `json:"fileOffset"`
	// Data is the output (base64 in JSON).
	Data []byte `json:"data"`
}

// OutputPage is the answer of GET /api/v1/driver/output?from=N.
type OutputPage struct {
	// Chunks are those with Seq >= from, oldest first.
	Chunks []OutputChunk `json:"chunks"`
	// Next is the from of the following request.
	Next int64 `json:"next"`
	// Dropped counts chunks at or after from that the bounded ring no
	// longer holds (they are in the container's log files).
	Dropped int64 `json:"dropped,omitempty"`
	// Closed is set when the driver has exited and Chunks hold the rest of
	// its output: there will be no more.
	Closed bool `json:"closed"`
}

// MaxLiveWait is the longest one long-poll of the events or the driver's
// output lasts.
const MaxLiveWait = 30 * time.Second

// Events returns the events from sequence number from on, waiting up to
// wait (at most MaxLiveWait) for one when there is none yet. Once one has
// come the AM waits a moment (200 ms) for more, so that a burst of events
// comes in one answer.
func (c *Client) Events(ctx context.Context, from int64, wait time.Duration) (EventPage, error) {
	var p EventPage
	err := c.longPoll(ctx, "/api/v1/events", from, wait, &p)
	return p, err
}

// DriverOutput returns the cluster-mode driver's output from chunk from
// on, waiting up to wait (at most MaxLiveWait) for some when there is none
// yet. Only the driver's secret may read it.
func (c *Client) DriverOutput(ctx context.Context, from int64, wait time.Duration) (OutputPage, error) {
	var p OutputPage
	err := c.longPoll(ctx, "/api/v1/driver/output", from, wait, &p)
	return p, err
}

// longPoll GETs path?from=N&wait=D and decodes the JSON answer into dst.
func (c *Client) longPoll(ctx context.Context, path string, from int64, wait time.Duration, dst any) error {
	wait = min(max(wait, 0), MaxLiveWait)
	q := url.Values{"from": {strconv.FormatInt(from, 10)}, "wait": {wait.String()}}
	body, err := c.do(ctx, http.MethodGet, path, q, nil, "", c.timeout+wait, sdkMaxJSONResponse)
	if err != nil {
		return err
	}
	return decodeJSONResponse(body, dst)
}

// SummaryFileName is the file the ApplicationMaster writes into its
// container's log directory when the application ends; with log aggregation
// it outlives the application in the aggregated logs.
const SummaryFileName = "spindle-summary.json"

// Summary is what SummaryFileName holds: how an application ended.
type Summary struct {
	// App is the application as the AM API described it at the end.
	App AppInfo `json:"app"`
	// FinalStatus is YARN's final status: SUCCEEDED, FAILED or KILLED.
	FinalStatus string `json:"finalStatus"`
	// Diagnostics says how it ended.
	Diagnostics string `json:"diagnostics"`
	// DriverExitCode is the driver's exit code (cluster mode), nil without one.
	DriverExitCode *int `json:"driverExitCode,omitempty"`
	// StartedAt and FinishedAt bound this attempt.
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	// Hosts are the nodes executors ran on, with how many each.
	Hosts map[string]int `json:"hosts"`
	// Executors is the executor table at the end.
	Executors []ExecutorInfo `json:"executors"`
	// Events is the attempt's event log.
	Events []Event `json:"events"`
}
