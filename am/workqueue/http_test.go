package workqueue

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// testIdentity reads the caller from test headers; the real mount derives
// it from credentials.
func testIdentity(r *http.Request) (string, bool) {
	return r.Header.Get("X-Test-Executor"), r.Header.Get("X-Test-Driver") == "yes"
}

type httpTest struct {
	t   *testing.T
	q   *Queue
	clk *fakeClock
	srv *httptest.Server
}

func newHTTPTest(t *testing.T, opts Options) *httpTest {
	t.Helper()
	q, clk := newTestQueue(t, opts)
	srv := httptest.NewServer(Handler(q, testIdentity, nil))
	t.Cleanup(srv.Close)
	return &httpTest{t: t, q: q, clk: clk, srv: srv}
}

// call sends a request as who ("driver" or an executor id) and returns the
// status, headers and body.
func (h *httpTest) call(who, method, path, contentType string, body io.Reader) (int, http.Header, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if who == "driver" {
		req.Header.Set("X-Test-Driver", "yes")
	} else if who != "" {
		req.Header.Set("X-Test-Executor", who)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// want checks a status and decodes a JSON body into dst if not nil.
func (h *httpTest) want(who, method, path, contentType, body string, status int, dst any) []byte {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	got, _, b := h.call(who, method, path, contentType, rd)
	if got != status {
		h.t.Fatalf("%s %s as %q: %d %s, want %d", method, path, who, got, b, status)
	}
	if dst != nil {
		if err := json.Unmarshal(b, dst); err != nil {
			h.t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
	return b
}

func TestHTTPEnqueueRawAndBatch(t *testing.T) {
	h := newHTTPTest(t, Options{})
	var resp container.EnqueueResponse
	h.want("driver", "POST", "/api/v1/tasks?key=k1", "", "hello", http.StatusCreated, &resp)
	if len(resp.Tasks) != 1 || resp.Tasks[0].ID != 1 || !resp.Tasks[0].Created {
		t.Fatalf("raw enqueue = %+v", resp)
	}
	h.want("driver", "POST", "/api/v1/tasks?key=k1", "text/plain", "hello", http.StatusOK, &resp)
	if resp.Tasks[0].ID != 1 || resp.Tasks[0].Created {
		t.Fatalf("repeated key = %+v, want task 1 not created", resp)
	}
	h.want("driver", "POST", "/api/v1/tasks?key=k1", "", "other", http.StatusConflict, nil)
	batch := `{"tasks": [{"body": "text"}, {"base64": "AAEC", "key": "bin", "maxAttempts": 1}]}`
	h.want("driver", "POST", "/api/v1/tasks", "application/json; charset=utf-8", batch, http.StatusCreated, &resp)
	if len(resp.Tasks) != 2 || resp.Tasks[0].ID != 2 || resp.Tasks[1].ID != 3 {
		t.Fatalf("batch = %+v", resp)
	}
	var ti container.TaskInfo
	h.want("driver", "GET", "/api/v1/tasks/3", "", "", http.StatusOK, &ti)
	if ti.BodySize != 3 || ti.MaxAttempts != 1 || ti.Key != "bin" || ti.State != container.TaskQueued {
		t.Fatalf("task 3 = %+v", ti)
	}
	for _, bad := range []string{`{"tasks": []}`, `{"tasks": [{"body": "a", "base64": "AA=="}]}`, `{"tasks": [{"bodi": "a"}]}`, `[1]`, `{"tasks": [{}]} x`} {
		h.want("driver", "POST", "/api/v1/tasks", "application/json", bad, http.StatusBadRequest, nil)
	}
	h.want("1", "POST", "/api/v1/tasks", "", "x", http.StatusForbidden, nil)
	h.want("", "GET", "/api/v1/queue", "", "", http.StatusForbidden, nil)
	h.want("driver", "GET", "/api/v1/tasks/0", "", "", http.StatusBadRequest, nil)
	h.want("driver", "GET", "/api/v1/tasks/99", "", "", http.StatusNotFound, nil)
	h.want("driver", "GET", "/api/v1/tasks?state=bogus", "", "", http.StatusBadRequest, nil)
}

// unsized hides a reader's length so that the request is chunked.
type unsized struct{ io.Reader }

func TestHTTPMemoryBounds(t *testing.T) {
	h := newHTTPTest(t, Options{MaxBodyBytes: 100, MaxTasks: 2, MaxResultBytes: 4})
	for _, body := range []io.Reader{strings.NewReader(strings.Repeat("x", 101)), unsized{strings.NewReader(strings.Repeat("x", 5000))}} {
		status, _, b := h.call("driver", "POST", "/api/v1/tasks", "", body)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "100") {
			t.Fatalf("oversized body: %d %s, want 413 naming the limit", status, b)
		}
	}
	h.want("driver", "POST", "/api/v1/tasks", "application/json", `{"tasks": [{"body": "a"}, {"body": "b"}]}`, http.StatusCreated, nil)
	status, hdr, b := h.call("driver", "POST", "/api/v1/tasks", "", strings.NewReader("c"))
	if status != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Fatalf("third task: %d %s (Retry-After %q), want 429 with Retry-After", status, b, hdr.Get("Retry-After"))
	}
	var l container.TaskLease
	h.want("e1", "POST", "/api/v1/leases", "", "", http.StatusOK, &l)
	h.want("e1", "POST", "/api/v1/leases/1/complete", "", "12345", http.StatusRequestEntityTooLarge, nil)
	h.want("e1", "POST", "/api/v1/leases/1/complete", "", "1234", http.StatusNoContent, nil)
	if b := h.want("driver", "GET", "/api/v1/tasks/1/result", "", "", http.StatusOK, nil); string(b) != "1234" {
		t.Fatalf("raw result = %q", b)
	}
	h.want("driver", "GET", "/api/v1/tasks/2/result", "", "", http.StatusConflict, nil)
}

func TestHTTPLeaseLifecycle(t *testing.T) {
	h := newHTTPTest(t, Options{MaxAttempts: 2})
	h.want("e1", "POST", "/api/v1/leases?wait=50ms", "", "", http.StatusNoContent, nil)
	h.want("driver", "POST", "/api/v1/leases", "", "", http.StatusForbidden, nil)
	h.want("driver", "POST", "/api/v1/tasks?key=a", "", "body-a", http.StatusCreated, nil)
	var l container.TaskLease
	h.want("e1", "POST", "/api/v1/leases?wait=1s&lease=10s", "", "", http.StatusOK, &l)
	if l.TaskID != 1 || string(l.Body) != "body-a" || l.Attempt != 1 || !l.LeaseExpires.Equal(h.clk.Now().Add(10*time.Second)) {
		t.Fatalf("lease = %+v", l)
	}
	h.clk.Advance(5 * time.Second)
	var rn container.LeaseRenewal
	h.want("e1", "POST", "/api/v1/leases/1/renew?lease=30", "", "", http.StatusOK, &rn)
	if !rn.LeaseExpires.Equal(h.clk.Now().Add(30 * time.Second)) {
		t.Fatalf("renewed to %v", rn.LeaseExpires)
	}
	h.want("e2", "POST", "/api/v1/leases/1/renew", "", "", http.StatusConflict, nil)
	h.want("e1", "POST", "/api/v1/leases/1/renew?lease=2h", "", "", http.StatusOK, nil) // capped at MaxLeaseTime
	h.want("e1", "POST", "/api/v1/leases/1/fail", "", "exit status 3", http.StatusNoContent, nil)
	// the second attempt, in raw format
	status, hdr, body := h.call("e2", "POST", "/api/v1/leases?format=raw", "", nil)
	if status != http.StatusOK || string(body) != "body-a" || hdr.Get(HeaderTaskID) != "1" || hdr.Get(HeaderTaskAttempt) != "2" || hdr.Get(HeaderTaskKey) != "a" || hdr.Get(HeaderLeaseExpires) == "" {
		t.Fatalf("raw lease: %d %q %v", status, body, hdr)
	}
	h.want("e2", "POST", "/api/v1/leases/1/fail", "", "", http.StatusNoContent, nil)
	var ti container.TaskInfo
	h.want("e2", "GET", "/api/v1/tasks/1", "", "", http.StatusOK, &ti)
	if ti.State != container.TaskFailed || ti.Failures != 2 || !strings.Contains(ti.LastError, "without a reason") {
		t.Fatalf("task after two failures = %+v", ti)
	}
	h.want("e1", "POST", "/api/v1/leases/1/complete", "", "", http.StatusConflict, nil)
	h.want("e1", "POST", "/api/v1/leases/x/complete", "", "", http.StatusBadRequest, nil)
	h.want("e1", "POST", "/api/v1/leases?format=xml", "", "", http.StatusBadRequest, nil)
	h.want("e1", "POST", "/api/v1/leases?wait=soon", "", "", http.StatusBadRequest, nil)
}

func TestHTTPReturnAndExpiry(t *testing.T) {
	h := newHTTPTest(t, Options{})
	h.want("driver", "POST", "/api/v1/tasks", "", "t", http.StatusCreated, nil)
	h.want("e1", "POST", "/api/v1/leases?lease=10s", "", "", http.StatusOK, nil)
	h.want("e1", "POST", "/api/v1/leases/1/return", "", "", http.StatusNoContent, nil)
	h.want("e2", "POST", "/api/v1/leases?lease=10s", "", "", http.StatusOK, nil)
	h.clk.Advance(10 * time.Second)
	var ti container.TaskInfo
	h.want("driver", "GET", "/api/v1/tasks/1", "", "", http.StatusOK, &ti)
	if ti.State != container.TaskQueued || ti.Attempts != 2 || ti.Failures != 1 || !strings.Contains(ti.LastError, "expired") {
		t.Fatalf("after return and expiry: %+v, want queued with one counted failure of two attempts", ti)
	}
	h.want("e2", "POST", "/api/v1/leases/1/complete", "", "", http.StatusConflict, nil)
}

func TestHTTPSealWaitAndList(t *testing.T) {
	h := newHTTPTest(t, Options{})
	h.want("driver", "POST", "/api/v1/tasks", "application/json", `{"tasks": [{"body": "1"}, {"body": "2"}, {"body": "3"}]}`, http.StatusCreated, nil)
	var c container.QueueCounts
	h.want("driver", "GET", "/api/v1/queue/wait?timeout=20ms", "", "", http.StatusOK, &c)
	if c.Finished || c.Queued != 3 {
		t.Fatalf("wait with work left = %+v", c)
	}
	h.want("e1", "GET", "/api/v1/queue/wait", "", "", http.StatusForbidden, nil)
	var list container.TaskList
	h.want("e1", "GET", "/api/v1/tasks?limit=2", "", "", http.StatusOK, &list)
	if len(list.Tasks) != 2 || list.Next != 2 {
		t.Fatalf("page 1 = %+v", list)
	}
	list = container.TaskList{}
	h.want("e1", "GET", "/api/v1/tasks?limit=2&after=2", "", "", http.StatusOK, &list)
	if len(list.Tasks) != 1 || list.Tasks[0].ID != 3 || list.Next != 0 {
		t.Fatalf("page 2 = %+v", list)
	}
	for range 3 {
		var l container.TaskLease
		h.want("e1", "POST", "/api/v1/leases", "", "", http.StatusOK, &l)
		h.want("e1", "POST", "/api/v1/leases/"+strconv.FormatInt(l.TaskID, 10)+"/complete", "", "", http.StatusNoContent, nil)
	}
	h.want("driver", "GET", "/api/v1/tasks?state=done", "", "", http.StatusOK, &list)
	if len(list.Tasks) != 3 {
		t.Fatalf("done tasks = %+v", list)
	}
	h.want("driver", "GET", "/api/v1/queue", "", "", http.StatusOK, &c)
	if c.Finished || c.Done != 3 {
		t.Fatalf("before seal = %+v, want not finished", c)
	}
	done := make(chan container.QueueCounts, 1)
	go func() {
		var c container.QueueCounts
		h.want("driver", "GET", "/api/v1/queue/wait?timeout=10s", "", "", http.StatusOK, &c)
		done <- c
	}()
	h.want("driver", "POST", "/api/v1/queue/seal", "", "", http.StatusOK, &c)
	if !c.Sealed {
		t.Fatalf("seal answered %+v", c)
	}
	if c := <-done; !c.Finished || c.Done != 3 {
		t.Fatalf("wait after seal = %+v, want finished", c)
	}
	h.want("e2", "POST", "/api/v1/leases?wait=1s", "", "", http.StatusGone, nil)
	h.want("driver", "POST", "/api/v1/tasks", "", "late", http.StatusConflict, nil)
	h.q.Close()
	h.want("e2", "POST", "/api/v1/leases?wait=1s", "", "", http.StatusServiceUnavailable, nil)
}

func TestHTTPLostExecutor(t *testing.T) {
	h := newHTTPTest(t, Options{})
	h.want("driver", "POST", "/api/v1/tasks", "", "t", http.StatusCreated, nil)
	h.want("e1", "POST", "/api/v1/leases", "", "", http.StatusOK, nil)
	h.q.ExecutorLost("e1", false)
	h.want("e1", "POST", "/api/v1/leases/1/complete", "", "", http.StatusConflict, nil)
	h.want("e1", "POST", "/api/v1/leases", "", "", http.StatusConflict, nil)
	var l container.TaskLease
	h.want("e2", "POST", "/api/v1/leases", "", "", http.StatusOK, &l)
	if l.TaskID != 1 || l.Attempt != 2 {
		t.Fatalf("re-lease after loss = %+v", l)
	}
}
