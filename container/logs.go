package container

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// LogPage is the answer of GET /api/v1/containers/{id}/logs/{stream}: a
// running container's stdout or stderr (StreamStdout, StreamStderr) from an
// offset in its log file.
type LogPage struct {
	// Offset is where Data starts in the container's log file: the offset
	// asked for, or later when what lay between is no longer at hand (it is
	// in the log file).
	Offset int64 `json:"offset"`
	// Data is the file's content from Offset (base64 in JSON); empty when
	// nothing was written within the wait.
	Data []byte `json:"data"`
	// Ended is set when the container has ended and the ApplicationMaster
	// has no more of its output: the rest, if any, is in the container's
	// log files on its NodeManager or in the aggregated logs.
	Ended bool `json:"ended"`
}

// LogDemand is what a follower asks of one executor container's stdout and
// stderr: the answer of GET /api/v1/executor/logs and of POST
// /api/v1/executor/logs/{stream}. The executor launcher reads its
// container's log files and sends them from these offsets.
type LogDemand struct {
	// Version changes whenever the demand changes other than by the data
	// sent: a stream is wanted or no longer, or from another offset.
	Version int64 `json:"version"`
	// From holds the wanted streams and the offset to send each from.
	From map[string]int64 `json:"from"`
}

// ContainerLog returns the running container's stream (StreamStdout or
// StreamStderr) from offset on, waiting up to wait (at most MaxLiveWait)
// when there is nothing new yet. The containers are the ApplicationMaster's
// own and the executors' of this attempt.
func (c *Client) ContainerLog(ctx context.Context, containerID, stream string, offset int64, wait time.Duration) (LogPage, error) {
	wait = min(max(wait, 0), MaxLiveWait)
	q := url.Values{"offset": {strconv.FormatInt(offset, 10)}, "wait": {wait.String()}}
	p := "/api/v1/containers/" + url.PathEscape(containerID) + "/logs/" + url.PathEscape(stream)
	body, err := c.do(ctx, http.MethodGet, p, q, nil, "", c.timeout+wait, sdkMaxJSONResponse)
	if err != nil {
		return LogPage{}, err
	}
	var page LogPage
	return page, decodeJSONResponse(body, &page)
}

// LogDemand returns what followers want of this executor's logs once its
// version differs from version, waiting up to wait (at most MaxLiveWait).
// The executor launcher calls it; a Client made from an executor's
// environment sends the executor's id.
func (c *Client) LogDemand(ctx context.Context, version int64, wait time.Duration) (LogDemand, error) {
	wait = min(max(wait, 0), MaxLiveWait)
	q := url.Values{"version": {strconv.FormatInt(version, 10)}, "wait": {wait.String()}}
	body, err := c.do(ctx, http.MethodGet, "/api/v1/executor/logs", q, nil, "", c.timeout+wait, sdkMaxJSONResponse)
	if err != nil {
		return LogDemand{}, err
	}
	var d LogDemand
	return d, decodeJSONResponse(body, &d)
}

// MaxLogPush is the most data one PushLog may carry.
const MaxLogPush = 1 << 20

// PushLog sends data, found at offset of this executor's stream, to the
// ApplicationMaster and returns the demand after it.
func (c *Client) PushLog(ctx context.Context, stream string, offset int64, data []byte) (LogDemand, error) {
	if len(data) > MaxLogPush {
		return LogDemand{}, fmt.Errorf("push %d bytes of %s: at most %d at once", len(data), stream, MaxLogPush)
	}
	q := url.Values{"offset": {strconv.FormatInt(offset, 10)}}
	body, err := c.do(ctx, http.MethodPost, "/api/v1/executor/logs/"+url.PathEscape(stream), q, data, "application/octet-stream", c.timeout, sdkMaxJSONResponse)
	if err != nil {
		return LogDemand{}, err
	}
	var d LogDemand
	return d, decodeJSONResponse(body, &d)
}
