package pb_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"

	hdfs "github.com/colinmarc/hdfs/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// TestCoexistsWithHDFS links colinmarc/hdfs (which registers its own copies of
// Hadoop's protos under hadoop.common / hadoop.hdfs) together with our
// packages. Reaching the test body at all proves there was no registration
// conflict panic at init.
func TestCoexistsWithHDFS(t *testing.T) {
	if v := os.Getenv("GOLANG_PROTOBUF_REGISTRATION_CONFLICT"); v != "" {
		t.Fatalf("GOLANG_PROTOBUF_REGISTRATION_CONFLICT=%q is set; this test must run with the default (panic) policy", v)
	}

	errDial := errors.New("dial refused by test")
	_, err := hdfs.NewClient(hdfs.ClientOptions{
		Addresses: []string{"127.0.0.1:1"},
		User:      "spindle-test",
		NamenodeDialFunc: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, errDial
		},
	})
	if err == nil {
		t.Fatal("hdfs.NewClient to 127.0.0.1:1 succeeded; want an error")
	}

	// Both copies of the Hadoop common protos are registered side by side.
	if _, err := protoregistry.GlobalFiles.FindFileByPath("RpcHeader.proto"); err != nil {
		t.Errorf("colinmarc/hdfs's RpcHeader.proto not registered: %v", err)
	}
	for _, p := range []string{
		"spindle/common/RpcHeader.proto",
		"spindle/common/Security.proto",
		"spindle/yarn/yarn_protos.proto",
		"spindle/yarn/yarn_service_protos.proto",
		"spindle/yarn/yarn_security_token.proto",
		"spindle/hdfs/hdfs.proto",
		"spindle/hdfs/ClientNamenodeProtocol.proto",
	} {
		if _, err := protoregistry.GlobalFiles.FindFileByPath(p); err != nil {
			t.Errorf("%s not registered: %v", p, err)
		}
	}
	for _, n := range []protoreflect.FullName{
		"hadoop.common.RpcRequestHeaderProto",
		"spindle.hadoop.common.RpcRequestHeaderProto",
		"spindle.hadoop.yarn.AllocateRequestProto",
		"hadoop.hdfs.HdfsFileStatusProto",
		"spindle.hadoop.hdfs.HdfsFileStatusProto",
	} {
		if _, err := protoregistry.GlobalTypes.FindMessageByName(n); err != nil {
			t.Errorf("message %s not registered: %v", n, err)
		}
	}

	// Round-trip one message from each of our packages.
	tok := &commonpb.TokenProto{
		Identifier: []byte{1, 2, 3},
		Password:   []byte{4, 5},
		Kind:       proto.String("YARN_AM_RM_TOKEN"),
		Service:    proto.String("127.0.0.1:8030"),
	}
	b, err := proto.Marshal(tok)
	if err != nil {
		t.Fatalf("marshal TokenProto: %v", err)
	}
	var tok2 commonpb.TokenProto
	if err := proto.Unmarshal(b, &tok2); err != nil {
		t.Fatalf("unmarshal TokenProto: %v", err)
	}
	if !proto.Equal(tok, &tok2) {
		t.Errorf("TokenProto round trip: got %v, want %v", &tok2, tok)
	}

	req := &yarnpb.AllocateRequestProto{
		Ask: []*yarnpb.ResourceRequestProto{{
			Priority:      &yarnpb.PriorityProto{Priority: proto.Int32(1)},
			ResourceName:  proto.String("*"),
			Capability:    &yarnpb.ResourceProto{Memory: proto.Int64(1 << 40), VirtualCores: proto.Int32(2)},
			NumContainers: proto.Int32(3),
		}},
		Release: []*yarnpb.ContainerIdProto{{
			AppAttemptId: &yarnpb.ApplicationAttemptIdProto{
				ApplicationId: &yarnpb.ApplicationIdProto{Id: proto.Int32(13), ClusterTimestamp: proto.Int64(1577164554399)},
				AttemptId:     proto.Int32(1),
			},
			Id: proto.Int64(1<<40 | 5), // epoch in the high bits
		}},
		ResponseId: proto.Int32(7),
		Progress:   proto.Float32(0.5),
	}
	b, err = proto.Marshal(req)
	if err != nil {
		t.Fatalf("marshal AllocateRequestProto: %v", err)
	}
	var req2 yarnpb.AllocateRequestProto
	if err := proto.Unmarshal(b, &req2); err != nil {
		t.Fatalf("unmarshal AllocateRequestProto: %v", err)
	}
	if !proto.Equal(req, &req2) {
		t.Errorf("AllocateRequestProto round trip: got %v, want %v", &req2, req)
	}
}
