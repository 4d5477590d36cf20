package yarn

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

func TestRMAttemptsAndContainers(t *testing.T) {
	att := AttemptID{App: testApp, Attempt: 1}
	cid := NewContainerID(att, 0, 2)
	fc := &fakeCaller{handler: func(n int, c call, resp proto.Message) error {
		switch c.method {
		case "getApplicationAttempts":
			req := c.req.(*yarnpb.GetApplicationAttemptsRequestProto)
			if ApplicationIDFromProto(req.GetApplicationId()) != testApp {
				t.Errorf("attempts asked for %v", req)
			}
			return setResp(resp, &yarnpb.GetApplicationAttemptsResponseProto{
				ApplicationAttempts: []*yarnpb.ApplicationAttemptReportProto{{ApplicationAttemptId: att.Proto()}}})
		case "getContainers":
			req := c.req.(*yarnpb.GetContainersRequestProto)
			if AttemptIDFromProto(req.GetApplicationAttemptId()) != att {
				t.Errorf("containers asked for %v", req)
			}
			return setResp(resp, &yarnpb.GetContainersResponseProto{Containers: []*yarnpb.ContainerReportProto{
				{ContainerId: cid.Proto(), NodeHttpAddress: proto.String("nm1:8042")}}})
		}
		return appNotFound()
	}}
	rm := newTestRM(t, fc, "rm1")
	atts, err := rm.Attempts(testCtx(t), testApp)
	if err != nil || len(atts) != 1 || AttemptIDFromProto(atts[0].GetApplicationAttemptId()) != att {
		t.Fatalf("Attempts = %v, %v", atts, err)
	}
	cs, err := rm.Containers(testCtx(t), att)
	if err != nil || len(cs) != 1 || ContainerIDFromProto(cs[0].GetContainerId()) != cid || cs[0].GetNodeHttpAddress() != "nm1:8042" {
		t.Fatalf("Containers = %v, %v", cs, err)
	}
}

func TestRMAttemptsUnknownApp(t *testing.T) {
	fc := &fakeCaller{handler: func(int, call, proto.Message) error { return appNotFound() }}
	rm := newTestRM(t, fc, "rm1")
	if _, err := rm.Attempts(testCtx(t), testApp); !errAs[*ipc.ApplicationNotFoundError](err) {
		t.Fatalf("Attempts err = %v", err)
	}
}
