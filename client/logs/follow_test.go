package logs

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

func TestFollowRunning(t *testing.T) {
	nm, srv := startNM(t, "nm1:8041")
	nm.set(cid(1), "stdout", "line 1\n")
	nm.set(cid(1), "stderr", "")
	running := yarnpb.YarnApplicationStateProto_RUNNING
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{running, running, running, yarnpb.YarnApplicationStateProto_FINISHED},
		nodes: []*yarnpb.NodeReportProto{{HttpAddress: proto.String(srv.URL)}}}
	f := &Fetcher{RM: rm, Conf: testConf(t, t.TempDir())}
	var got []string
	polls := 0
	res, err := f.Follow(ctxT(t), testApp, Options{Files: []string{"std*"}}, 10*time.Millisecond, func(c *Chunk) error {
		got = append(got, fmt.Sprintf("%s/%s@%d+%d:%q", c.Container[len(c.Container)-1:], c.Name, c.Offset, c.Skipped, c.Data))
		polls++
		switch polls {
		case 2: // after the first poll: more output, and a new container
			nm.set(cid(1), "stdout", "line 1\nline 2\n")
			nm.set(cid(2), "stdout", "exec")
		case 4:
			nm.set(cid(1), "stdout", "line 1\nline 2\nline 3")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`1/stderr@0+0:""`,
		`1/stdout@0+0:"line 1\n"`,
		`1/stdout@7+0:"line 2\n"`,
		`2/stdout@0+0:"exec"`,
		`1/stdout@14+0:"line 3"`,
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if res.State != "FINISHED" || res.Files != 3 {
		t.Errorf("result %+v", res)
	}
}

func TestFollowFinishedReadsAggregated(t *testing.T) {
	dir := t.TempDir()
	writeAggregated(t, dir, "alice/logs-tfile/"+testApp.String()+"/nm1_8041", sampleFile())
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_FINISHED}}
	var got []string
	res, err := (&Fetcher{RM: rm, Conf: testConf(t, dir)}).Follow(ctxT(t), testApp, Options{}, time.Second, func(c *Chunk) error {
		got = append(got, fmt.Sprintf("%s %s %q", c.Container[len(c.Container)-1:], c.Name, c.Data))
		return nil
	})
	if err != nil || res.Source != SourceAggregated {
		t.Fatal(res, err)
	}
	want := `1 stderr "driver starting\n"|1 stdout "driver says hello\n"|2 prelaunch.err ""|2 stdout "executor 1\n"|3 stdout "executor 2 without newline"`
	if strings.Join(got, "|") != want {
		t.Errorf("got %q", got)
	}
}

func TestFollowBigGrowth(t *testing.T) {
	nm, srv := startNM(t, "nm1:8041")
	big := strings.Repeat("x", maxFollowRead+100)
	nm.set(cid(1), "stdout", big)
	running := yarnpb.YarnApplicationStateProto_RUNNING
	rm := &fakeRM{user: "alice", states: []yarnpb.YarnApplicationStateProto{running, yarnpb.YarnApplicationStateProto_FINISHED},
		nodes: []*yarnpb.NodeReportProto{{HttpAddress: proto.String(srv.URL)}}}
	var chunks []*Chunk
	_, err := (&Fetcher{RM: rm, Conf: testConf(t, t.TempDir())}).Follow(ctxT(t), testApp, Options{}, 10*time.Millisecond, func(c *Chunk) error {
		chunks = append(chunks, c)
		return nil
	})
	if err != nil || len(chunks) != 1 {
		t.Fatalf("%d chunks, %v", len(chunks), err)
	}
	if c := chunks[0]; c.Skipped != 100 || c.Offset != 100 || len(c.Data) != maxFollowRead {
		t.Errorf("chunk offset %d skipped %d len %d", c.Offset, c.Skipped, len(c.Data))
	}
	if _, err := (&Fetcher{RM: rm}).Follow(ctxT(t), testApp, Options{}, 0, nil); err == nil {
		t.Error("zero interval accepted")
	}
}
