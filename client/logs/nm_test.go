package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeNM imitates a Hadoop 3.2 NodeManager's NMWebServices: containers with
// log files, rendered as Jersey does (single-element lists as objects).
type fakeNM struct {
	mu         sync.Mutex
	node       string                       // node id host:port
	containers map[string]map[string]string // container -> file -> content
	states     map[string]string
	requests   []string
	listFails  bool
}

func newFakeNM(node string) *fakeNM {
	return &fakeNM{node: node, containers: map[string]map[string]string{}, states: map[string]string{}}
}

func (f *fakeNM) set(container, file, content string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.containers[container] == nil {
		f.containers[container] = map[string]string{}
	}
	f.containers[container][file] = content
}

func (f *fakeNM) forget(container string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.containers, container)
}

func (f *fakeNM) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// jsonList renders items as Jersey does: one element as a bare value.
func jsonList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return "[" + strings.Join(items, ",") + "]"
}

func unknownContainer(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, `{"RemoteException":{"exception":"WebApplicationException","message":"org.apache.hadoop.yarn.webapp.NotFoundException: java.lang.Exception: Unknown container. Container either has not started or has already completed or doesn't belong to this node at all.","javaClassName":"javax.ws.rs.WebApplicationException"}}`)
}

func (f *fakeNM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL.RequestURI())
	rest, ok := strings.CutPrefix(r.URL.Path, "/ws/v1/node/containers")
	if !ok {
		http.NotFound(w, r)
		return
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case rest == "" || rest == "/":
		if f.listFails {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		if len(f.containers) == 0 {
			io.WriteString(w, `{"containers":{}}`)
			return
		}
		var items []string
		for id, files := range f.containers {
			var names []string
			for n := range files {
				names = append(names, strconv.Quote(n))
			}
			state := f.states[id]
			if state == "" {
				state = "RUNNING"
			}
			items = append(items, fmt.Sprintf(`{"id":%q,"state":%q,"exitCode":-1000,"user":"root","nodeId":%q,"containerLogFiles":%s}`,
				id, state, f.node, "["+strings.Join(names, ",")+"]"))
		}
		fmt.Fprintf(w, `{"containers":{"container":[%s]}}`, strings.Join(items, ","))
	case len(parts) == 2 && parts[1] == "logs":
		files, ok := f.containers[parts[0]]
		if !ok {
			unknownContainer(w)
			return
		}
		var infos []string
		for n, c := range files {
			infos = append(infos, fmt.Sprintf(`{"fileName":%q,"fileSize":"%d","lastModifiedTime":"Fri Nov 20 22:09:14 +0000 2026"}`, n, len(c)))
		}
		local := fmt.Sprintf(`{"containerLogInfo":%s,"logAggregationType":"LOCAL","containerId":%q,"nodeId":%q}`, jsonList(infos), parts[0], f.node)
		// A second, aggregated element as the NodeManager adds when it
		// finds aggregated logs too; only LOCAL counts.
		agg := fmt.Sprintf(`{"containerLogInfo":{"fileName":"old","fileSize":"3"},"logAggregationType":"AGGREGATED","containerId":%q,"nodeId":%q}`, parts[0], f.node)
		fmt.Fprintf(w, `{"containerLogsInfo":[%s,%s]}`, local, agg)
	case len(parts) == 3 && parts[1] == "logs":
		files, ok := f.containers[parts[0]]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "java.lang.Exception: Unknown container. Container either has not started or has already completed or doesn't belong to this node at all.")
			return
		}
		content, ok := files[parts[2]]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "Cannot find this log on the local disk.")
			return
		}
		send := content
		if s := r.URL.Query().Get("size"); s != "" {
			n, _ := strconv.ParseInt(s, 10, 64)
			if n < 0 && -n < int64(len(content)) {
				send = content[int64(len(content))+n:]
			} else if n >= 0 && n < int64(len(content)) {
				send = content[:n]
			}
		}
		w.Header().Set("Content-Type", "text/plain;charset=utf-8")
		if len(send) > 0 {
			hdr := fmt.Sprintf("Container: %s on %s", parts[0], f.node)
			fmt.Fprintf(w, "%s\nLogAggregationType: LOCAL\n%s\nLogType:%s\nLogLastModifiedTime:Fri Nov 20 22:09:16 +0000 2026\nLogLength:%d\nLogContents:\n%s",
				hdr, strings.Repeat("=", len(hdr)), parts[2], len(content), send)
		}
		end := "End of LogType:" + parts[2]
		fmt.Fprintf(w, "%s.This log file belongs to a running container (%s) and so may not be complete.\n%s\n\n", end, parts[0], strings.Repeat("*", len(end)+50))
	default:
		http.NotFound(w, r)
	}
}

func startNM(t *testing.T, node string) (*fakeNM, *httptest.Server) {
	t.Helper()
	nm := newFakeNM(node)
	srv := httptest.NewServer(nm)
	t.Cleanup(srv.Close)
	return nm, srv
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestNMContainersAndLogFiles(t *testing.T) {
	nm, srv := startNM(t, "nm1:8041")
	nm.set("container_1_0001_01_000001", "stdout", "hello\n")
	nm.set("container_1_0001_01_000001", "stderr", "")
	c := NewNMClient("http")
	addr := strings.TrimPrefix(srv.URL, "http://") // without scheme, as node reports give it
	cs, err := c.Containers(ctxT(t), addr)
	if err != nil || len(cs) != 1 || cs[0].ID != "container_1_0001_01_000001" || cs[0].NodeID != "nm1:8041" || len(cs[0].LogFiles) != 2 {
		t.Fatalf("Containers = %+v, %v", cs, err)
	}
	files, node, err := c.LogFiles(ctxT(t), srv.URL, "container_1_0001_01_000001")
	if err != nil || node != "nm1:8041" || len(files) != 2 {
		t.Fatalf("LogFiles = %+v, %q, %v", files, node, err)
	}
	for _, f := range files {
		if (f.Name == "stdout" && f.Size != 6) || (f.Name == "stderr" && f.Size != 0) {
			t.Errorf("file %+v", f)
		}
	}
	_, _, err = c.LogFiles(ctxT(t), srv.URL, "container_1_0001_01_000009")
	if !errors.Is(err, ErrGone) {
		t.Errorf("LogFiles of an unknown container: %v", err)
	}
	var nmErr *NMError
	if !errors.As(err, &nmErr) || nmErr.Status != 500 || !strings.Contains(nmErr.Message, "Unknown container") {
		t.Errorf("error = %#v", err)
	}
}

func TestNMJSONShapes(t *testing.T) {
	for name, body := range map[string]string{
		"single object":  `{"containers":{"container":{"id":"container_1_0001_01_000002","state":"DONE","nodeId":"h:1","containerLogFiles":"stdout"}}}`,
		"array":          `{"containers":{"container":[{"id":"container_1_0001_01_000002","state":"DONE","nodeId":"h:1","containerLogFiles":["stdout"]}]}}`,
		"empty":          `{"containers":{}}`,
		"null":           `{"containers":null}`,
		"no log files":   `{"containers":{"container":[{"id":"container_1_0001_01_000002","state":"NEW"}]}}`,
		"number as text": `{"containers":{"container":[{"id":"container_1_0001_01_000002","exitCode":"0","containerLogFiles":null}]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
			defer srv.Close()
			cs, err := (&NMClient{}).Containers(ctxT(t), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(body, "stdout") && (len(cs) != 1 || len(cs[0].LogFiles) != 1 || cs[0].LogFiles[0] != "stdout") {
				t.Errorf("containers = %+v", cs)
			}
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"containers":`) }))
	defer srv.Close()
	if _, err := (&NMClient{}).Containers(ctxT(t), srv.URL); err == nil || !strings.Contains(err.Error(), "decode") {
		t.Errorf("truncated JSON: %v", err)
	}
}

func TestNMOpenLog(t *testing.T) {
	nm, srv := startNM(t, "nm1:8041")
	const id = "container_1_0001_01_000001"
	content := "line 1\nline 2\nno newline"
	nm.set(id, "stdout", content)
	nm.set(id, "empty", "")
	c := NewNMClient("")
	read := func(file string, tail int64) (*NMLog, string, error) {
		l, err := c.OpenLog(ctxT(t), srv.URL, id, file, tail)
		if err != nil {
			return nil, "", err
		}
		defer l.Close()
		b, err := io.ReadAll(l.Content)
		return l, string(b), err
	}
	l, got, err := read("stdout", 0)
	if err != nil || got != content || l.FileLength != int64(len(content)) || l.Start != 0 || l.Length != int64(len(content)) {
		t.Fatalf("whole file: %+v %q %v", l, got, err)
	}
	l, got, err = read("stdout", 10)
	if err != nil || got != content[len(content)-10:] || l.Start != int64(len(content)-10) {
		t.Fatalf("tail: %+v %q %v", l, got, err)
	}
	l, got, err = read("stdout", 1000)
	if err != nil || got != content || l.Start != 0 {
		t.Fatalf("tail longer than the file: %+v %q %v", l, got, err)
	}
	l, got, err = read("empty", 0)
	if err != nil || got != "" || l.FileLength != 0 {
		t.Fatalf("empty file: %+v %q %v", l, got, err)
	}
	if _, _, err = read("nosuch", 0); err == nil || !errors.Is(err, ErrGone) {
		t.Errorf("missing file: %v", err)
	}
	if !strings.Contains(strings.Join(nm.log(), " "), "size=-10") {
		t.Errorf("requests %v lack the tail size", nm.log())
	}
	nm.forget(id)
	if _, _, err = read("stdout", 0); !errors.Is(err, ErrGone) {
		t.Errorf("forgotten container: %v", err)
	}
}

func TestNMOpenLogMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"no contents line": "Container: c on n\nLogType:stdout\nLogLength:5\n",
		"bad length":       "Container: c on n\nLogLength:x\nLogContents:\nhello",
		"no length":        "Container: c on n\nLogContents:\nhello",
		"cut short":        "Container: c on n\nLogLength:50\nLogContents:\nhello",
		"endless summary":  "Container: " + strings.Repeat("x", maxLogHeader+10) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
			defer srv.Close()
			l, err := (&NMClient{}).OpenLog(ctxT(t), srv.URL, "container_1_0001_01_000001", "stdout", 0)
			if err == nil {
				_, err = io.ReadAll(l.Content)
				l.Close()
			}
			if err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestNMStallTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Container: c on n\nLogLength:100\nLogContents:\nstart")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := &NMClient{StallTimeout: 200 * time.Millisecond}
	l, err := c.OpenLog(ctxT(t), srv.URL, "container_1_0001_01_000001", "stdout", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	_, err = io.ReadAll(l.Content)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("stalled read: %v after %s", err, time.Since(start))
	}
}

func TestNMBaseURL(t *testing.T) {
	c := &NMClient{Scheme: "https"}
	for in, want := range map[string]string{
		"host:8042":         "https://host:8042",
		"http://host:8042/": "http://host:8042",
	} {
		if got, err := c.baseURL(in); err != nil || got != want {
			t.Errorf("baseURL(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := c.baseURL(""); err == nil {
		t.Error("empty address accepted")
	}
}

func TestNMSlowConsumerDoesNotTimeOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Container: c on n\nLogLength:10\nLogContents:\nhello")
		w.(http.Flusher).Flush()
		time.Sleep(100 * time.Millisecond)
		io.WriteString(w, "world")
	}))
	defer srv.Close()
	c := &NMClient{StallTimeout: 300 * time.Millisecond}
	l, err := c.OpenLog(ctxT(t), srv.URL, "container_1_0001_01_000001", "stdout", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	first := make([]byte, 5)
	if _, err := io.ReadFull(l.Content, first); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the consumer dawdles, well past the stall timeout
	rest, err := io.ReadAll(l.Content)
	if err != nil || string(first)+string(rest) != "helloworld" {
		t.Fatalf("read %q%q, %v", first, rest, err)
	}
}
