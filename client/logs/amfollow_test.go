package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// fakeAM serves the part of the AM API Follow streams from: the AM
// container, the executors, empty event pages and the containers' logs.
type fakeAM struct {
	mu       sync.Mutex
	logs     map[string]string // container/stream -> content
	execs    []container.ExecutorInfo
	requests int
	down     bool // answer 503 to everything
}

func (a *fakeAM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.requests++
	down := a.down
	a.mu.Unlock()
	if down {
		http.Error(w, `{"error":"down"}`, http.StatusServiceUnavailable)
		return
	}
	var v any
	switch parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/"), "/"); {
	case parts[0] == "app":
		v = container.AppInfo{Live: container.Live{AMContainer: cid(1)}}
	case parts[0] == "executors":
		a.mu.Lock()
		v = a.execs
		a.mu.Unlock()
	case parts[0] == "events":
		time.Sleep(50 * time.Millisecond)
		v = container.EventPage{Events: []container.Event{}, Next: 1}
	case parts[0] == "containers" && len(parts) == 4:
		off, _ := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
		a.mu.Lock()
		content, ok := a.logs[parts[1]+"/"+parts[3]]
		a.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"no such running container"}`, http.StatusNotFound)
			return
		}
		page := container.LogPage{Offset: off, Data: []byte{}}
		if off < int64(len(content)) {
			page.Data = []byte(content[off:])
		} else {
			time.Sleep(20 * time.Millisecond)
		}
		v = page
	default:
		http.NotFound(w, r)
		return
	}
	json.NewEncoder(w).Encode(v)
}

// Follow with an AM: what the NodeManager has first, then the AM streams
// the rest of the running files and an executor that started since, then
// the NodeManager's last poll adds only what came after; nothing twice.
// An application still ACCEPTED at the start is streamed once it runs.
func TestFollowStreamsFromAM(t *testing.T) {
	accepted := yarnpb.YarnApplicationStateProto_ACCEPTED
	for _, before := range [][]yarnpb.YarnApplicationStateProto{nil, {accepted, accepted}} {
		t.Run(fmt.Sprintf("%d reports before RUNNING", len(before)), func(t *testing.T) {
			followFromAM(t, before)
		})
	}
}

func followFromAM(t *testing.T, before []yarnpb.YarnApplicationStateProto) {
	nm, srv := startNM(t, "nm1:8041")
	nm.set(cid(1), "stdout", "line 1\n")
	nm.set(cid(1), "stderr", "")
	am := &fakeAM{logs: map[string]string{
		cid(1) + "/stdout": "line 1\nline 2\n",
		cid(1) + "/stderr": "",
		cid(2) + "/stdout": "exec\n",
		cid(2) + "/stderr": "",
	}, execs: []container.ExecutorInfo{{ID: "1", ContainerID: cid(2), State: container.ExecutorRunning, Node: "nm1:8041"}}}
	amSrv := httptest.NewServer(am)
	defer amSrv.Close()
	running := yarnpb.YarnApplicationStateProto_RUNNING
	states := slices.Repeat([]yarnpb.YarnApplicationStateProto{running}, 8)
	rm := &fakeRM{user: "alice", states: append(append(before, states...), yarnpb.YarnApplicationStateProto_FINISHED),
		nodes: []*yarnpb.NodeReportProto{{HttpAddress: proto.String(srv.URL)}}}
	f := &Fetcher{RM: rm, Conf: testConf(t, t.TempDir()), NM: NewNMClient("http"),
		AM: func(ctx context.Context, app yarn.ApplicationID, rep *yarnpb.ApplicationReportProto) (*container.Client, error) {
			return container.Connect(container.Env{AMURL: amSrv.URL, Secret: "viewer"})
		}}
	var got []string
	var mu sync.Mutex
	res, err := f.Follow(ctxT(t), testApp, Options{}, 10*time.Millisecond, func(c *Chunk) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf("%s/%s@%d on %s:%q", c.Container[len(c.Container)-1:], c.Name, c.Offset, c.Node, c.Data))
		if len(got) == 4 { // the AM has streamed both: the containers write more
			nm.set(cid(1), "stdout", "line 1\nline 2\nline 3\n")
			nm.set(cid(2), "stdout", "exec\n")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("chunks %q", got)
	}
	slices.Sort(got[2:4]) // the AM's two streams come in either order
	want := []string{
		`1/stderr@0 on nm1:8041:""`,
		`1/stdout@0 on nm1:8041:"line 1\n"`,
		`1/stdout@7 on nm1:8041:"line 2\n"`,
		`2/stdout@0 on nm1:8041:"exec\n"`,
		`1/stdout@14 on nm1:8041:"line 3\n"`,
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if !res.Streamed || res.AMRequests == 0 || res.NMRequests == 0 || res.State != "FINISHED" {
		t.Errorf("result %+v", res)
	}
}

// An AM that stops answering is asked again after Fetcher.AMRetry: what it
// streams after it is back is output the NodeManager never has, and nothing
// comes twice.
func TestFollowReturnsToAM(t *testing.T) {
	nm, srv := startNM(t, "nm1:8041")
	nm.set(cid(1), "stdout", "a\n")
	am := &fakeAM{logs: map[string]string{cid(1) + "/stdout": "a\nb\n"}}
	amSrv := httptest.NewServer(am)
	defer amSrv.Close()
	running := yarnpb.YarnApplicationStateProto_RUNNING
	rm := &fakeRM{user: "alice", states: append(slices.Repeat([]yarnpb.YarnApplicationStateProto{running}, 60), yarnpb.YarnApplicationStateProto_FINISHED),
		nodes: []*yarnpb.NodeReportProto{{HttpAddress: proto.String(srv.URL)}}}
	f := &Fetcher{RM: rm, Conf: testConf(t, t.TempDir()), NM: NewNMClient("http"), AMRetry: 50 * time.Millisecond,
		AM: func(ctx context.Context, app yarn.ApplicationID, rep *yarnpb.ApplicationReportProto) (*container.Client, error) {
			return container.Connect(container.Env{AMURL: amSrv.URL, Secret: "viewer"})
		}}
	var got []string
	res, err := f.Follow(ctxT(t), testApp, Options{Files: []string{"stdout"}}, 10*time.Millisecond, func(c *Chunk) error {
		got = append(got, fmt.Sprintf("%s@%d:%q", c.Name, c.Offset, c.Data))
		if string(c.Data) == "b\n" { // from the AM: it goes away, and comes back with more
			nm.set(cid(1), "stdout", "a\nb\n")
			am.mu.Lock()
			am.down = true
			am.logs[cid(1)+"/stdout"] = "a\nb\nc\n"
			am.mu.Unlock()
			time.AfterFunc(100*time.Millisecond, func() {
				am.mu.Lock()
				am.down = false
				am.mu.Unlock()
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `stdout@0:"a\n" stdout@2:"b\n" stdout@4:"c\n"`
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	if !res.Streamed || res.State != "FINISHED" {
		t.Errorf("result %+v", res)
	}
}
