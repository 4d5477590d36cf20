package yarn

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

var testApp = ApplicationID{ClusterTimestamp: 1577164554399, ID: 13}

func newTestRM(t *testing.T, fc *fakeCaller, addrs ...string) *ResourceManager {
	t.Helper()
	rm, err := NewResourceManager(fc, addrs)
	if err != nil {
		t.Fatal(err)
	}
	fast(rm.fo)
	return rm
}

func metricsResp(n int32) *yarnpb.GetClusterMetricsResponseProto {
	return &yarnpb.GetClusterMetricsResponseProto{ClusterMetrics: &yarnpb.YarnClusterMetricsProto{NumNodeManagers: proto.Int32(n)}}
}

func TestNewResourceManagerValidates(t *testing.T) {
	if _, err := NewResourceManager(&fakeCaller{}, nil); err == nil {
		t.Error("no addresses accepted")
	}
	if _, err := NewResourceManager(&fakeCaller{}, []string{"a:1", " "}); err == nil {
		t.Error("blank address accepted")
	}
	if _, err := NewResourceManager(nil, []string{"a:1"}); err == nil {
		t.Error("nil caller accepted")
	}
}

func TestRMSimpleAuthAndProtocol(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		return setResp(resp, metricsResp(3))
	}}
	rm := newTestRM(t, fc, "rm1:8032")
	m, err := rm.ClusterMetrics(testCtx(t))
	if err != nil || m.GetNumNodeManagers() != 3 {
		t.Fatalf("ClusterMetrics = %v, %v", m, err)
	}
	c := fc.recorded()[0]
	if c.protocol != ApplicationClientProtocol || c.method != "getClusterMetrics" || c.tok != nil || c.addr != "rm1:8032" {
		t.Errorf("call = %+v", c)
	}
}

func TestRMFailoverConnectErrorThenRemember(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.addr == "rm1:8032" {
			return connRefused(c.addr)
		}
		return setResp(resp, metricsResp(1))
	}}
	rm := newTestRM(t, fc, "rm1:8032", "rm2:8032")
	ctx := testCtx(t)
	if _, err := rm.ClusterMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	if rm.ActiveAddress() != "rm2:8032" {
		t.Errorf("active = %s", rm.ActiveAddress())
	}
	// The next call starts with the remembered active RM.
	if _, err := rm.ClusterMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"rm1:8032 getClusterMetrics", "rm2:8032 getClusterMetrics", "rm2:8032 getClusterMetrics"}
	if got := fc.methods(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestRMFailoverStandbyMovesOnAndWraps(t *testing.T) {
	// rm1 standby, rm2 refuses, rm3 active; the active one is remembered
	// and a later standby answer from it moves on to rm1 (wrap-around).
	var rm3Standby bool
	fc := &fakeCaller{}
	fc.handler = func(n int, c call, resp proto.Message) error {
		switch c.addr {
		case "rm1":
			if rm3Standby {
				return setResp(resp, metricsResp(7))
			}
			return standby()
		case "rm2":
			return connRefused(c.addr)
		}
		if rm3Standby {
			return standby()
		}
		return setResp(resp, metricsResp(1))
	}
	rm := newTestRM(t, fc, "rm1", "rm2", "rm3")
	ctx := testCtx(t)
	if _, err := rm.ClusterMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	if rm.ActiveAddress() != "rm3" {
		t.Fatalf("active = %s", rm.ActiveAddress())
	}
	rm3Standby = true
	m, err := rm.ClusterMetrics(ctx)
	if err != nil || m.GetNumNodeManagers() != 7 {
		t.Fatalf("%v, %v", m, err)
	}
	want := []string{"rm1 getClusterMetrics", "rm2 getClusterMetrics", "rm3 getClusterMetrics",
		"rm3 getClusterMetrics", "rm1 getClusterMetrics"}
	if got := fc.methods(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	if rm.ActiveAddress() != "rm1" {
		t.Errorf("active = %s", rm.ActiveAddress())
	}
}

func TestRMRetriableRetriesSameThenMovesOn(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.addr == "rm1" {
			return retriable()
		}
		return setResp(resp, metricsResp(1))
	}}
	rm := newTestRM(t, fc, "rm1", "rm2")
	if _, err := rm.ClusterMetrics(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	want := []string{"rm1 getClusterMetrics", "rm1 getClusterMetrics", "rm1 getClusterMetrics", "rm2 getClusterMetrics"}
	if got := fc.methods(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestRMRetriableThenSuccessOnSame(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if n == 0 {
			return retriable()
		}
		return setResp(resp, metricsResp(1))
	}}
	rm := newTestRM(t, fc, "rm1", "rm2")
	if _, err := rm.ClusterMetrics(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got := fc.methods(); len(got) != 2 || got[1] != "rm1 getClusterMetrics" {
		t.Errorf("calls = %q", got)
	}
}

func TestRMAllFailNamesEveryAddress(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.addr == "rm1:8032" {
			return connRefused(c.addr)
		}
		return standby()
	}}
	rm := newTestRM(t, fc, "rm1:8032", "rm2:8032")
	_, err := rm.ClusterMetrics(testCtx(t))
	var fe *FailoverError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want *FailoverError", err, err)
	}
	msg := err.Error()
	for _, s := range []string{"getClusterMetrics", "rm1:8032", "rm2:8032", "StandbyException", "connect"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q does not mention %q", msg, s)
		}
	}
	if len(fe.Attempts) != 4 { // two passes over two addresses
		t.Errorf("attempts = %d, want 4", len(fe.Attempts))
	}
	if !errAs[*ipc.StandbyError](err) || !errAs[*ipc.ConnectError](err) {
		t.Error("errors.As does not see through FailoverError")
	}
	if len(fc.recorded()) != 4 {
		t.Errorf("calls = %q", fc.methods())
	}
}

func TestRMOtherRemoteErrorNoFailover(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.addr == "rm1" {
			return standby()
		}
		return appNotFound()
	}}
	rm := newTestRM(t, fc, "rm1", "rm2")
	_, err := rm.ApplicationReport(testCtx(t), testApp)
	if !errAs[*ipc.ApplicationNotFoundError](err) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "rm2") {
		t.Errorf("error %q does not name the address", err)
	}
	if len(fc.recorded()) != 2 {
		t.Errorf("calls = %q", fc.methods())
	}
	// rm2 answered, so it is the active RM now.
	if rm.ActiveAddress() != "rm2" {
		t.Errorf("active = %s", rm.ActiveAddress())
	}
}

func TestRMContextBoundsFailover(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error { return connRefused(c.addr) }}
	rm := newTestRM(t, fc, "rm1", "rm2")
	rm.fo.policy = FixedRetry{MaxWait: -1, Interval: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := rm.ClusterMetrics(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("waited past the context")
	}
}

func TestRMNewApplication(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		return setResp(resp, &yarnpb.GetNewApplicationResponseProto{
			ApplicationId:     testApp.Proto(),
			MaximumCapability: &yarnpb.ResourceProto{Memory: proto.Int64(4096), VirtualCores: proto.Int32(4)},
		})
	}}
	rm := newTestRM(t, fc, "rm1")
	id, max, err := rm.NewApplication(testCtx(t))
	if err != nil || id != testApp || max.GetMemory() != 4096 {
		t.Fatalf("NewApplication = %v, %v, %v", id, max, err)
	}
}

func reportResp(state yarnpb.YarnApplicationStateProto) *yarnpb.GetApplicationReportResponseProto {
	return &yarnpb.GetApplicationReportResponseProto{ApplicationReport: &yarnpb.ApplicationReportProto{
		ApplicationId:        testApp.Proto(),
		YarnApplicationState: state.Enum(),
	}}
}

func submissionContext() *yarnpb.ApplicationSubmissionContextProto {
	return &yarnpb.ApplicationSubmissionContextProto{
		ApplicationId:   testApp.Proto(),
		ApplicationName: proto.String("t"),
	}
}

func TestRMSubmitWaitsForAccepted(t *testing.T) {
	reports := 0
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		switch c.method {
		case "submitApplication":
			sub := c.req.(*yarnpb.SubmitApplicationRequestProto)
			if ApplicationIDFromProto(sub.GetApplicationSubmissionContext().GetApplicationId()) != testApp {
				t.Errorf("submitted %v", sub)
			}
			return nil
		case "getApplicationReport":
			reports++
			st := []yarnpb.YarnApplicationStateProto{yarnpb.YarnApplicationStateProto_NEW_SAVING,
				yarnpb.YarnApplicationStateProto_SUBMITTED, yarnpb.YarnApplicationStateProto_ACCEPTED}
			return setResp(resp, reportResp(st[min(reports-1, 2)]))
		}
		return errors.New("unexpected " + c.method)
	}}
	rm := newTestRM(t, fc, "rm1")
	rep, err := rm.Submit(testCtx(t), submissionContext())
	if err != nil || rep.GetYarnApplicationState() != yarnpb.YarnApplicationStateProto_ACCEPTED {
		t.Fatalf("Submit = %v, %v", rep, err)
	}
	if reports != 3 {
		t.Errorf("reports = %d", reports)
	}
}

func TestRMResubmitOnApplicationNotFound(t *testing.T) {
	// rm1 accepts the submission and then goes away before persisting it;
	// rm2 (new active) does not know the application until it is resubmitted.
	rm2Knows := false
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.addr == "rm1" {
			if n == 0 && c.method == "submitApplication" {
				return nil
			}
			return connRefused(c.addr)
		}
		switch c.method {
		case "submitApplication":
			rm2Knows = true
			return nil
		case "getApplicationReport":
			if !rm2Knows {
				return appNotFound()
			}
			return setResp(resp, reportResp(yarnpb.YarnApplicationStateProto_ACCEPTED))
		}
		return errors.New("unexpected")
	}}
	rm := newTestRM(t, fc, "rm1", "rm2")
	rep, err := rm.Submit(testCtx(t), submissionContext())
	if err != nil || rep.GetYarnApplicationState() != yarnpb.YarnApplicationStateProto_ACCEPTED {
		t.Fatalf("Submit = %v, %v", rep, err)
	}
	want := []string{"rm1 submitApplication", "rm1 getApplicationReport", "rm2 getApplicationReport",
		"rm2 submitApplication", "rm2 getApplicationReport"}
	if got := fc.methods(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestRMResubmitBounded(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.method == "getApplicationReport" {
			return appNotFound()
		}
		return nil
	}}
	rm := newTestRM(t, fc, "rm1")
	_, err := rm.Submit(testCtx(t), submissionContext())
	if !errAs[*ipc.ApplicationNotFoundError](err) {
		t.Fatalf("err = %v", err)
	}
	submits := 0
	for _, m := range fc.methods() {
		if m == "rm1 submitApplication" {
			submits++
		}
	}
	if submits != maxResubmits+1 {
		t.Errorf("submits = %d", submits)
	}
}

func TestRMSubmitNeedsID(t *testing.T) {
	rm := newTestRM(t, &fakeCaller{}, "rm1")
	if _, err := rm.Submit(testCtx(t), &yarnpb.ApplicationSubmissionContextProto{}); err == nil {
		t.Error("accepted a context without id")
	}
}

func TestRMKillPollsUntilComplete(t *testing.T) {
	kills := 0
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		switch c.method {
		case "forceKillApplication":
			kills++
			req := c.req.(*yarnpb.KillApplicationRequestProto)
			if req.GetDiagnostics() != "user asked" || ApplicationIDFromProto(req.GetApplicationId()) != testApp {
				t.Errorf("kill request %v", req)
			}
			return setResp(resp, &yarnpb.KillApplicationResponseProto{IsKillCompleted: proto.Bool(kills >= 3)})
		case "getApplicationReport":
			return setResp(resp, reportResp(yarnpb.YarnApplicationStateProto_RUNNING))
		}
		return errors.New("unexpected")
	}}
	rm := newTestRM(t, fc, "rm1")
	if err := rm.Kill(testCtx(t), testApp, "user asked"); err != nil {
		t.Fatal(err)
	}
	want := []string{"rm1 forceKillApplication", "rm1 getApplicationReport", "rm1 forceKillApplication",
		"rm1 getApplicationReport", "rm1 forceKillApplication"}
	if got := fc.methods(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestRMKillStopsOnTerminalReport(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.method == "getApplicationReport" {
			return setResp(resp, reportResp(yarnpb.YarnApplicationStateProto_KILLED))
		}
		return nil // is_kill_completed stays false
	}}
	rm := newTestRM(t, fc, "rm1")
	if err := rm.Kill(testCtx(t), testApp, ""); err != nil {
		t.Fatal(err)
	}
	if len(fc.recorded()) != 2 {
		t.Errorf("calls = %q", fc.methods())
	}
}

func TestRMKillBoundedByContext(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.method == "getApplicationReport" {
			return setResp(resp, reportResp(yarnpb.YarnApplicationStateProto_RUNNING))
		}
		return nil
	}}
	rm := newTestRM(t, fc, "rm1")
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	err := rm.Kill(ctx, testApp, "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestRMRequests(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		switch c.method {
		case "getClusterNodes":
			req := c.req.(*yarnpb.GetClusterNodesRequestProto)
			if len(req.GetNodeStates()) != 1 || req.GetNodeStates()[0] != yarnpb.NodeStateProto_NS_RUNNING {
				t.Errorf("nodes request %v", req)
			}
			return setResp(resp, &yarnpb.GetClusterNodesResponseProto{NodeReports: []*yarnpb.NodeReportProto{
				{NodeId: &yarnpb.NodeIdProto{Host: proto.String("h"), Port: proto.Int32(1)}}}})
		case "getQueueInfo":
			req := c.req.(*yarnpb.GetQueueInfoRequestProto)
			if req.GetQueueName() != "batch" || !req.GetIncludeChildQueues() || req.GetRecursive() {
				t.Errorf("queue request %v", req)
			}
			return setResp(resp, &yarnpb.GetQueueInfoResponseProto{QueueInfo: &yarnpb.QueueInfoProto{QueueName: proto.String("batch")}})
		case "getApplications":
			req := c.req.(*yarnpb.GetApplicationsRequestProto)
			if !reflect.DeepEqual(req.GetApplicationTypes(), []string{"SPINDLE"}) || req.GetLimit() != 5 || req.Users != nil {
				t.Errorf("applications request %v", req)
			}
			return setResp(resp, &yarnpb.GetApplicationsResponseProto{Applications: []*yarnpb.ApplicationReportProto{reportResp(5).ApplicationReport}})
		case "getApplicationAttemptReport":
			req := c.req.(*yarnpb.GetApplicationAttemptReportRequestProto)
			if AttemptIDFromProto(req.GetApplicationAttemptId()) != (AttemptID{testApp, 2}) {
				t.Errorf("attempt request %v", req)
			}
			return setResp(resp, &yarnpb.GetApplicationAttemptReportResponseProto{ApplicationAttemptReport: &yarnpb.ApplicationAttemptReportProto{Host: proto.String("amhost")}})
		}
		return errors.New("unexpected " + c.method)
	}}
	rm := newTestRM(t, fc, "rm1")
	ctx := testCtx(t)
	nodes, err := rm.ClusterNodes(ctx, yarnpb.NodeStateProto_NS_RUNNING)
	if err != nil || len(nodes) != 1 || NodeAddress(nodes[0].GetNodeId()) != "h:1" {
		t.Errorf("ClusterNodes = %v, %v", nodes, err)
	}
	q, err := rm.QueueInfo(ctx, "batch", QueueInfoOptions{IncludeChildQueues: true})
	if err != nil || q.GetQueueName() != "batch" {
		t.Errorf("QueueInfo = %v, %v", q, err)
	}
	apps, err := rm.Applications(ctx, ApplicationFilter{Types: []string{"SPINDLE"}, Limit: 5})
	if err != nil || len(apps) != 1 {
		t.Errorf("Applications = %v, %v", apps, err)
	}
	ar, err := rm.AttemptReport(ctx, AttemptID{testApp, 2})
	if err != nil || ar.GetHost() != "amhost" {
		t.Errorf("AttemptReport = %v, %v", ar, err)
	}
}

func TestRMConcurrentUse(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		if c.addr == "rm1" && n%3 == 0 {
			return standby()
		}
		return setResp(resp, metricsResp(1))
	}}
	rm := newTestRM(t, fc, "rm1", "rm2")
	ctx := testCtx(t)
	done := make(chan error)
	for i := 0; i < 8; i++ {
		go func() {
			var err error
			for j := 0; j < 20 && err == nil; j++ {
				_, err = rm.ClusterMetrics(ctx)
			}
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestRMQueueNotFound(t *testing.T) {
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error { return nil }}
	rm := newTestRM(t, fc, "rm1")
	_, err := rm.QueueInfo(testCtx(t), "nope", QueueInfoOptions{})
	if !errors.Is(err, ErrQueueNotFound) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("err = %v", err)
	}
}
