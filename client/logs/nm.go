package logs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Timeouts of the NodeManager REST client.
const (
	nmDialTimeout   = 10 * time.Second
	nmHeaderTimeout = 30 * time.Second
	// nmListTimeout bounds a whole JSON request.
	nmListTimeout = 30 * time.Second
	// nmStallTimeout bounds each wait for more log content.
	nmStallTimeout = 60 * time.Second
	// maxNMJSON bounds a JSON answer.
	maxNMJSON = 32 << 20
	// maxLogHeader bounds the summary the NodeManager puts before a log's content.
	maxLogHeader = 64 << 10
)

// NMClient reads container logs from NodeManagers' REST API (Hadoop's
// NMWebServices under /ws/v1/node), which serves the logs of the containers
// a NodeManager still tracks: those of running applications, including the
// containers that already ended. Once an application has finished the
// NodeManager forgets its containers and the logs are in the aggregated
// files (see ReadAggregated).
type NMClient struct {
	// HTTP performs the requests (NewNMClient sets one with dial, TLS and
	// response-header timeouts; no overall timeout, as a log may be long:
	// every wait for content is bounded by StallTimeout instead).
	HTTP *http.Client
	// Scheme is used for NodeManager addresses without one: "http" (default)
	// or "https" (yarn.http.policy=HTTPS_ONLY).
	Scheme string
	// StallTimeout bounds each wait for more of a log's content (default 60s).
	StallTimeout time.Duration

	requests atomic.Int64
}

// Requests counts the requests sent to NodeManagers so far.
func (c *NMClient) Requests() int64 { return c.requests.Load() }

// NewNMClient returns a client for NodeManagers whose web addresses lack a
// scheme use scheme ("http" or "https"; "" means "http"), with its own
// connection pool.
func NewNMClient(scheme string) *NMClient {
	return &NMClient{HTTP: newNMHTTP(false), Scheme: scheme}
}

// newNMHTTP builds an HTTP client with dial, TLS and response-header
// timeouts.
func newNMHTTP(noKeepAlive bool) *http.Client {
	d := &net.Dialer{Timeout: nmDialTimeout, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   nmDialTimeout,
		ResponseHeaderTimeout: nmHeaderTimeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		DisableKeepAlives:     noKeepAlive,
	}}
}

// httpClient returns c.HTTP, or for a zero NMClient a client without
// connection reuse (so that nothing is left open).
func (c *NMClient) httpClient() *http.Client {
	if c != nil && c.HTTP != nil {
		return c.HTTP
	}
	return newNMHTTP(true)
}

func (c *NMClient) stallTimeout() time.Duration {
	if c != nil && c.StallTimeout > 0 {
		return c.StallTimeout
	}
	return nmStallTimeout
}

// baseURL turns a NodeManager web address ("host:port" or
// "http://host:port") into a URL without a trailing slash.
func (c *NMClient) baseURL(addr string) (string, error) {
	addr = strings.TrimRight(strings.TrimSpace(addr), "/")
	if addr == "" {
		return "", errors.New("empty NodeManager web address")
	}
	if !strings.Contains(addr, "://") {
		scheme := "http"
		if c != nil && c.Scheme != "" {
			scheme = c.Scheme
		}
		addr = scheme + "://" + addr
	}
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("NodeManager web address %q is not host:port or a URL", addr)
	}
	return addr, nil
}

// NMError is a NodeManager's refusal of a request.
type NMError struct {
	// URL is what was asked.
	URL string
	// Status is the HTTP status code.
	Status int
	// Message is the NodeManager's explanation, if it gave one.
	Message string
}

// Error describes the refusal.
func (e *NMError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("NodeManager answered %s with %d: %s", e.URL, e.Status, msg)
}

// Gone reports whether the NodeManager does not know the container or file
// (any more): it answers 404, or 500 with "Unknown container" for a
// container it forgot.
func (e *NMError) Gone() bool {
	return e.Status == http.StatusNotFound || strings.Contains(e.Message, "Unknown container")
}

// ErrGone is matched (errors.Is) by NodeManager errors saying the container
// or log file is unknown, typically because the application finished.
var ErrGone = errors.New("the NodeManager no longer has it")

// Is makes errors.Is(err, ErrGone) true for Gone errors.
func (e *NMError) Is(target error) bool { return target == ErrGone && e.Gone() }

// nmError reads a refused response's explanation: the RemoteException JSON
// YARN web services send, or plain text.
func nmError(u string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<10))
	var re struct {
		RemoteException struct {
			Exception string `json:"exception"`
			Message   string `json:"message"`
		} `json:"RemoteException"`
	}
	msg := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &re) == nil && re.RemoteException.Message != "" {
		msg = re.RemoteException.Message
	}
	if len(msg) > 500 {
		msg = msg[:500] + "..."
	}
	return &NMError{URL: u, Status: resp.StatusCode, Message: msg}
}

// getJSON GETs u and decodes the JSON answer into v.
func (c *NMClient) getJSON(ctx context.Context, u string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, nmListTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	c.requests.Add(1)
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nmError(u, resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxNMJSON+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	if len(body) > maxNMJSON {
		return fmt.Errorf("GET %s: answer larger than %d bytes", u, maxNMJSON)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: decode the answer: %w", u, err)
	}
	return nil
}

// oneOrMany decodes a JSON list that YARN's Jersey/JAXB JSON renders as a
// single object (or string) when it has one element and may render as null
// or leave out when empty.
type oneOrMany[T any] []T

// UnmarshalJSON accepts an array, a single element or null.
func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*o = nil
		return nil
	case b[0] == '[':
		var all []T
		if err := json.Unmarshal(b, &all); err != nil {
			return err
		}
		*o = all
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*o = oneOrMany[T]{one}
	return nil
}

// flexInt64 decodes a number that YARN may send as a JSON number or string.
type flexInt64 int64

// UnmarshalJSON accepts 12, "12" or null.
func (f *flexInt64) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an integer", s)
	}
	*f = flexInt64(v)
	return nil
}

// NMContainer is a container as a NodeManager lists it.
type NMContainer struct {
	// ID is the container id.
	ID string
	// State is the NodeManager's container state (NEW, RUNNING, DONE, ...).
	State string
	// User is the container's user.
	User string
	// NodeID is the NodeManager's id, "host:port" of its RPC address.
	NodeID string
	// LogFiles are the names of the container's log files.
	LogFiles []string
}

// nmContainerJSON is one element of /ws/v1/node/containers.
type nmContainerJSON struct {
	ID                string            `json:"id"`
	State             string            `json:"state"`
	User              string            `json:"user"`
	NodeID            string            `json:"nodeId"`
	ContainerLogFiles oneOrMany[string] `json:"containerLogFiles"`
}

// nmLogsInfoJSON is one element of /ws/v1/node/containers/{id}/logs.
type nmLogsInfoJSON struct {
	LogAggregationType string                   `json:"logAggregationType"`
	ContainerID        string                   `json:"containerId"`
	NodeID             string                   `json:"nodeId"`
	ContainerLogInfo   oneOrMany[nmLogFileJSON] `json:"containerLogInfo"`
}

// nmLogFileJSON describes one log file in nmLogsInfoJSON.
type nmLogFileJSON struct {
	FileName string    `json:"fileName"`
	FileSize flexInt64 `json:"fileSize"`
}

// Containers lists the containers the NodeManager at addr tracks
// (GET /ws/v1/node/containers).
func (c *NMClient) Containers(ctx context.Context, addr string) ([]NMContainer, error) {
	base, err := c.baseURL(addr)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Containers *struct {
			Container oneOrMany[nmContainerJSON] `json:"container"`
		} `json:"containers"`
	}
	if err := c.getJSON(ctx, base+"/ws/v1/node/containers", &doc); err != nil {
		return nil, fmt.Errorf("list the containers of NodeManager %s: %w", addr, err)
	}
	if doc.Containers == nil {
		return nil, nil
	}
	out := make([]NMContainer, 0, len(doc.Containers.Container))
	for _, ct := range doc.Containers.Container {
		out = append(out, NMContainer{ID: ct.ID, State: ct.State, User: ct.User, NodeID: ct.NodeID,
			LogFiles: append([]string(nil), ct.ContainerLogFiles...)})
	}
	return out, nil
}

// NMLogFile is one log file a NodeManager has for a container.
type NMLogFile struct {
	// Name is the file name, e.g. "stdout".
	Name string
	// Size is its length in bytes when listed.
	Size int64
}

// LogFiles lists a container's local log files on the NodeManager at addr
// (GET /ws/v1/node/containers/{id}/logs, the LOCAL part of the answer). It
// also returns the NodeManager's node id ("host:port"). An error matching
// ErrGone means the NodeManager does not know the container.
func (c *NMClient) LogFiles(ctx context.Context, addr, containerID string) (files []NMLogFile, nodeID string, err error) {
	base, err := c.baseURL(addr)
	if err != nil {
		return nil, "", err
	}
	var doc struct {
		ContainerLogsInfo oneOrMany[nmLogsInfoJSON] `json:"containerLogsInfo"`
	}
	u := base + "/ws/v1/node/containers/" + url.PathEscape(containerID) + "/logs"
	if err := c.getJSON(ctx, u, &doc); err != nil {
		return nil, "", fmt.Errorf("list the logs of %s on NodeManager %s: %w", containerID, addr, err)
	}
	for _, info := range doc.ContainerLogsInfo {
		if info.LogAggregationType != "" && !strings.EqualFold(info.LogAggregationType, "LOCAL") {
			continue
		}
		if nodeID == "" {
			nodeID = info.NodeID
		}
		for _, f := range info.ContainerLogInfo {
			files = append(files, NMLogFile{Name: f.FileName, Size: int64(f.FileSize)})
		}
	}
	return files, nodeID, nil
}

// NMLog is an open log file on a NodeManager.
type NMLog struct {
	// FileLength is the file's length when the NodeManager started sending it.
	FileLength int64
	// Start is the offset in the file of the first byte of Content.
	Start int64
	// Length is the number of bytes Content yields.
	Length int64
	// Content reads the bytes [Start, Start+Length) of the file.
	Content io.Reader

	body   io.Closer
	cancel context.CancelFunc
}

// Close releases the connection.
func (l *NMLog) Close() error {
	err := l.body.Close()
	l.cancel()
	return err
}

// OpenLog opens a container's log file on the NodeManager at addr
// (GET /ws/v1/node/containers/{id}/logs/{file}). tail > 0 asks for only the
// last tail bytes; tail <= 0 for the whole file. The NodeManager wraps the
// content in a summary ("Container: ... LogLength:N LogContents:") and a
// trailer, which OpenLog strips. An error matching ErrGone means the
// NodeManager does not know the container or file (any more).
func (c *NMClient) OpenLog(ctx context.Context, addr, containerID, file string, tail int64) (*NMLog, error) {
	base, err := c.baseURL(addr)
	if err != nil {
		return nil, err
	}
	u := base + "/ws/v1/node/containers/" + url.PathEscape(containerID) + "/logs/" + url.PathEscape(file)
	if tail > 0 {
		u += "?size=" + strconv.FormatInt(-tail, 10)
	}
	ctx, cancel := context.WithCancel(ctx)
	stall := c.stallTimeout()
	watchdog := time.AfterFunc(stall, cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		watchdog.Stop()
		cancel()
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	c.requests.Add(1)
	resp, err := c.httpClient().Do(req)
	if err != nil {
		watchdog.Stop()
		cancel()
		return nil, fmt.Errorf("read log %s of %s from NodeManager %s: %w", file, containerID, addr, err)
	}
	fail := func(err error) (*NMLog, error) {
		watchdog.Stop()
		resp.Body.Close()
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("read log %s of %s: %w", file, containerID, nmError(u, resp)))
	}
	br := bufio.NewReaderSize(&stallReader{r: resp.Body, timer: watchdog, stall: stall}, 32<<10)
	fileLen, err := parseLogHeader(br)
	if err != nil {
		return fail(fmt.Errorf("read log %s of %s from %s: %w", file, containerID, u, err))
	}
	n := fileLen
	if tail > 0 && tail < fileLen {
		n = tail
	}
	return &NMLog{FileLength: fileLen, Start: fileLen - n, Length: n,
		Content: &exactReader{r: br, left: n}, body: resp.Body, cancel: func() { watchdog.Stop(); cancel() }}, nil
}

// parseLogHeader reads the summary NMWebServices puts before a log's bytes:
//
//	Container: <id> on <node>
//	LogAggregationType: LOCAL
//	=========...
//	LogType:<file>
//	LogLastModifiedTime:<date>
//	LogLength:<file length>
//	LogContents:
//
// and returns the file length. The content that follows is the whole file,
// or the tail asked for. An empty file comes without a summary (the answer
// starts with the "End of LogType:" trailer); parseLogHeader then returns 0.
func parseLogHeader(br *bufio.Reader) (fileLen int64, err error) {
	first, err := br.Peek(len("Container: "))
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	if !bytes.Equal(first, []byte("Container: ")) {
		return 0, nil
	}
	read := 0
	fileLen = -1
	for {
		line, err := br.ReadString('\n')
		read += len(line)
		if err != nil {
			return 0, fmt.Errorf("log summary: %w", eofCorrupt(err))
		}
		if read > maxLogHeader {
			return 0, errors.New("log summary is too long")
		}
		line = strings.TrimRight(line, "\r\n")
		if v, ok := strings.CutPrefix(line, "LogLength:"); ok {
			if fileLen, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil || fileLen < 0 {
				return 0, fmt.Errorf("log summary: LogLength %q is not a byte count", v)
			}
		}
		if line == "LogContents:" {
			break
		}
	}
	if fileLen < 0 {
		return 0, errors.New("log summary has no LogLength")
	}
	return fileLen, nil
}

// stallReader cancels the request (through timer) when a Read waits longer
// than stall. Only the time inside Read counts: a reader that is slow to ask
// for more (say, output piped to a paused pager) does not time out.
type stallReader struct {
	r     io.Reader
	timer *time.Timer
	stall time.Duration
}

// Read reads from the response with the stall timer running.
func (s *stallReader) Read(p []byte) (int, error) {
	s.timer.Reset(s.stall)
	n, err := s.r.Read(p)
	s.timer.Stop()
	return n, err
}
