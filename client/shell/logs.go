package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spindle-yarn/spindle/container"
)

// maxLogResponse bounds what :logs reads from a NodeManager per file, headers included.
const maxLogResponse = 8 << 20

// printLogs is :logs ID: the executor's stdout and stderr, from the NodeManager's
// REST API while the container runs (GET http://NM/ws/v1/node/containers/CID/logs/FILE)
// or from a local directory when the log URL is a file: URL (local mode).
func (s *Session) printLogs(ctx context.Context, id string) bool {
	execs, err := s.sdk.Executors(ctx)
	if err != nil {
		fmt.Fprintf(s.cfg.Err, "logs: %v\n", err)
		return false
	}
	var e *container.ExecutorInfo
	for i := range execs {
		if execs[i].ID == id {
			e = &execs[i]
		}
	}
	if e == nil {
		fmt.Fprintf(s.cfg.Err, "logs: no executor %s (see :executors)\n", id)
		return false
	}
	if e.LogURL == "" {
		fmt.Fprintf(s.cfg.Err, "logs: executor %s has no log URL (it is %s; local-mode executors keep no log files: --verbose shows their output)\n", id, e.State)
		return false
	}
	ok := true
	for _, name := range []string{"stdout", "stderr"} {
		text, total, err := s.fetchLog(ctx, e, name)
		if err != nil {
			fmt.Fprintf(s.cfg.Err, "logs: executor %s %s: %v\n", id, name, err)
			ok = false
			continue
		}
		header := fmt.Sprintf("==> executor %s %s (%s on %s)", id, name, e.ContainerID, orDash(e.Host))
		if int64(len(text)) < total {
			header += fmt.Sprintf(", last %d of %d bytes", len(text), total)
		}
		fmt.Fprintf(s.cfg.Out, "%s <==\n", header)
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		fmt.Fprint(s.cfg.Out, text)
	}
	return ok
}

// fetchLog returns the end of one of e's log files (at most Config.LogTail
// bytes) and the file's full length.
func (s *Session) fetchLog(ctx context.Context, e *container.ExecutorInfo, name string) (string, int64, error) {
	u, err := url.Parse(e.LogURL)
	if err != nil {
		return "", 0, fmt.Errorf("log URL %q: %w", e.LogURL, err)
	}
	switch {
	case u.Scheme == "file":
		return tailFile(filepath.Join(u.Path, name), s.cfg.LogTail)
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && e.ContainerID != "":
	default:
		return "", 0, fmt.Errorf("cannot read logs from %q", e.LogURL)
	}
	api := url.URL{Scheme: u.Scheme, Host: u.Host,
		Path:     "/ws/v1/node/containers/" + e.ContainerID + "/logs/" + name,
		RawQuery: url.Values{"size": {"-" + strconv.FormatInt(s.cfg.LogTail, 10)}}.Encode()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api.String(), nil)
	if err != nil {
		return "", 0, fmt.Errorf("build the request for %s: %w", api.String(), err)
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("ask the NodeManager: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxLogResponse))
	if err != nil {
		return "", 0, fmt.Errorf("read the NodeManager's answer from %s: %w", api.String(), err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return "", 0, fmt.Errorf("the NodeManager at %s no longer has it (containers' logs go away once they end; with log aggregation, `yarn logs -applicationId %s` shows them)",
			u.Host, s.sdk.Env().AppID)
	case resp.StatusCode != http.StatusOK:
		return "", 0, fmt.Errorf("the NodeManager answered %s with %s: %s", api.String(), resp.Status, firstLine(string(body)))
	}
	text, total := parseNMLog(body, s.cfg.LogTail)
	return text, total, nil
}

// parseNMLog takes the file's contents out of a NodeManager's answer, which wraps
// them in a header ("Container: ...", "LogType:stdout", "LogLength:N",
// "LogContents:") and a footer ("End of LogType:stdout..."). asked is how many
// bytes from the end were asked for. For an empty file there is only the footer.
// It returns the body unchanged when it does not have that form.
func parseNMLog(body []byte, asked int64) (string, int64) {
	const marker = "LogContents:\n"
	head, contents, found := bytes.Cut(body, []byte(marker))
	switch {
	case !found && bytes.HasPrefix(body, []byte("End of LogType:")):
		return "", 0 // an empty file: the NodeManager sends only the footer
	case !found:
		return string(body), int64(len(body))
	}
	var total int64 = -1
	for _, line := range strings.Split(string(head), "\n") {
		if v, ok := strings.CutPrefix(line, "LogLength:"); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 {
				total = n
			}
		}
	}
	if total < 0 {
		if i := bytes.Index(contents, []byte("\nEnd of LogType:")); i >= 0 {
			contents = contents[:i+1]
		} else if bytes.HasPrefix(contents, []byte("End of LogType:")) {
			contents = nil
		}
		return string(contents), int64(len(contents))
	}
	n := min(total, asked, int64(len(contents)))
	return string(contents[:n]), total
}

// tailFile returns the last n bytes of a file and its length.
func tailFile(path string, n int64) (string, int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("open the log: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, fmt.Errorf("read the log: %w", err)
	}
	off := max(st.Size()-n, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil {
		return "", 0, fmt.Errorf("read the log: %w", err)
	}
	return string(b), st.Size(), nil
}
