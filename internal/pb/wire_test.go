package pb_test

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// TestRequestHeaderZigZag checks that callId and retryCount are sint32
// (zig-zag), as Hadoop expects: -3 encodes as 0x05, -1 as 0x01, -33 as 0x41.
func TestRequestHeaderZigZag(t *testing.T) {
	clientID := []byte("0123456789abcdef")
	h := &commonpb.RpcRequestHeaderProto{
		RpcKind:    commonpb.RpcKindProto_RPC_PROTOCOL_BUFFER.Enum(),
		RpcOp:      commonpb.RpcRequestHeaderProto_RPC_FINAL_PACKET.Enum(),
		CallId:     proto.Int32(-3),
		ClientId:   clientID,
		RetryCount: proto.Int32(-1),
	}
	got, err := proto.Marshal(h)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	want := []byte{0x08, 0x02, 0x10, 0x00, 0x18, 0x05, 0x22, 0x10}
	want = append(want, clientID...)
	want = append(want, 0x28, 0x01)
	if !bytes.Equal(got, want) {
		t.Fatalf("connection-context header:\n got % x\nwant % x", got, want)
	}

	h.CallId = proto.Int32(-33)
	h.ClientId = []byte{}
	got, err = proto.Marshal(h)
	if err != nil {
		t.Fatalf("marshal SASL header: %v", err)
	}
	want = []byte{0x08, 0x02, 0x10, 0x00, 0x18, 0x41, 0x22, 0x00, 0x28, 0x01}
	if !bytes.Equal(got, want) {
		t.Fatalf("SASL header:\n got % x\nwant % x", got, want)
	}

	var back commonpb.RpcRequestHeaderProto
	if err := proto.Unmarshal(got, &back); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if back.GetCallId() != -33 || back.GetRetryCount() != -1 {
		t.Errorf("round trip: callId=%d retryCount=%d", back.GetCallId(), back.GetRetryCount())
	}

	// retryCount defaults to -1 when absent.
	if got := (&commonpb.RpcRequestHeaderProto{}).GetRetryCount(); got != -1 {
		t.Errorf("default retryCount = %d, want -1", got)
	}
}

// TestResponseHeaderCallIDUnsigned checks that the response callId is a
// uint32: the server's -33 arrives as 4294967263 (a 5-byte varint).
func TestResponseHeaderCallIDUnsigned(t *testing.T) {
	var in []byte
	in = protowire.AppendTag(in, 1, protowire.VarintType)
	in = protowire.AppendVarint(in, uint64(uint32(0xFFFFFFDF))) // int32(-33) as Java writes a uint32
	in = protowire.AppendTag(in, 2, protowire.VarintType)
	in = protowire.AppendVarint(in, 2) // FATAL
	in = protowire.AppendTag(in, 6, protowire.VarintType)
	in = protowire.AppendVarint(in, 15) // FATAL_UNAUTHORIZED

	var h commonpb.RpcResponseHeaderProto
	if err := proto.Unmarshal(in, &h); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if h.GetCallId() != 4294967263 {
		t.Errorf("callId = %d, want 4294967263", h.GetCallId())
	}
	if int32(h.GetCallId()) != -33 {
		t.Errorf("int32(callId) = %d, want -33", int32(h.GetCallId()))
	}
	if h.GetStatus() != commonpb.RpcResponseHeaderProto_FATAL ||
		h.GetErrorDetail() != commonpb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED {
		t.Errorf("status=%v detail=%v", h.GetStatus(), h.GetErrorDetail())
	}

	out, err := proto.Marshal(&h)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if !bytes.Equal(out, in) {
		t.Errorf("re-encoded:\n got % x\nwant % x", out, in)
	}
	// A uint32 varint never exceeds 5 bytes (an int32 -33 would take 10).
	if want := []byte{0x08, 0xdf, 0xff, 0xff, 0xff, 0x0f}; !bytes.HasPrefix(out, want) {
		t.Errorf("callId encoding % x, want prefix % x", out, want)
	}
	if got := (&commonpb.RpcResponseHeaderProto{}).GetRetryCount(); got != -1 {
		t.Errorf("default retryCount = %d, want -1", got)
	}
}

// TestEmptyMessages checks that parameterless requests encode to nothing and
// that an empty body decodes.
func TestEmptyMessages(t *testing.T) {
	for _, m := range []proto.Message{
		&yarnpb.GetNewApplicationRequestProto{},
		&yarnpb.GetClusterMetricsRequestProto{},
		&yarnpb.SubmitApplicationResponseProto{},
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatalf("marshal %T: %v", m, err)
		}
		if len(b) != 0 {
			t.Errorf("%T marshals to % x, want zero bytes", m, b)
		}
	}
	var resp yarnpb.GetNewApplicationResponseProto
	if err := proto.Unmarshal(nil, &resp); err != nil {
		t.Errorf("unmarshal empty GetNewApplicationResponseProto: %v", err)
	}
}

// TestTokenRequiredFields checks proto2 required-field enforcement on TokenProto.
func TestTokenRequiredFields(t *testing.T) {
	partial := &commonpb.TokenProto{
		Identifier: []byte{1},
		Password:   []byte{2},
		Kind:       proto.String("YARN_AM_RM_TOKEN"),
		// Service missing.
	}
	if _, err := proto.Marshal(partial); err == nil {
		t.Error("marshal TokenProto without service succeeded; want required-field error")
	}
	b, err := proto.MarshalOptions{AllowPartial: true}.Marshal(partial)
	if err != nil {
		t.Fatalf("partial marshal: %v", err)
	}
	var tok commonpb.TokenProto
	if err := proto.Unmarshal(b, &tok); err == nil {
		t.Error("unmarshal TokenProto without service succeeded; want required-field error")
	}

	// Empty bytes/strings are fine as long as the fields are present.
	full := &commonpb.TokenProto{Identifier: []byte{}, Password: []byte{}, Kind: proto.String(""), Service: proto.String("")}
	b, err = proto.Marshal(full)
	if err != nil {
		t.Fatalf("marshal TokenProto with empty fields: %v", err)
	}
	if want := []byte{0x0a, 0x00, 0x12, 0x00, 0x1a, 0x00, 0x22, 0x00}; !bytes.Equal(b, want) {
		t.Errorf("empty token: got % x, want % x", b, want)
	}
	if err := proto.Unmarshal(b, &tok); err != nil {
		t.Errorf("unmarshal: %v", err)
	}

	// Required fields nested in YARN messages are enforced too.
	resp := &yarnpb.AllocateResponseProto{AmRmToken: partial}
	if _, err := proto.Marshal(resp); err == nil {
		t.Error("marshal AllocateResponseProto with partial am_rm_token succeeded")
	}
}

// TestHadoop3FieldTypes pins field numbers and 64-bit types that changed
// between Hadoop 2 and 3, plus proto2 defaults the code relies on.
func TestHadoop3FieldTypes(t *testing.T) {
	tok := &commonpb.TokenProto{Identifier: []byte{9}, Password: []byte{8}, Kind: proto.String("k"), Service: proto.String("s")}
	b, err := proto.Marshal(&yarnpb.AllocateResponseProto{AmRmToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || num != 12 || typ != protowire.BytesType {
		t.Errorf("am_rm_token tag: field %d type %d, want 12 bytes", num, typ)
	}

	b, err = proto.Marshal(&yarnpb.ResourceProto{Memory: proto.Int64(1 << 33)})
	if err != nil {
		t.Fatal(err)
	}
	var r yarnpb.ResourceProto
	if err := proto.Unmarshal(b, &r); err != nil || r.GetMemory() != 1<<33 {
		t.Errorf("ResourceProto.memory round trip = %d, %v", r.GetMemory(), err)
	}

	// A Hadoop 2 style int32 container id decodes into the int64 field.
	var in []byte
	in = protowire.AppendTag(in, 3, protowire.VarintType)
	in = protowire.AppendVarint(in, 42)
	var cid yarnpb.ContainerIdProto
	if err := proto.Unmarshal(in, &cid); err != nil || cid.GetId() != 42 {
		t.Errorf("ContainerIdProto.id = %d, %v", cid.GetId(), err)
	}

	if got := (&yarnpb.ApplicationSubmissionContextProto{}).GetQueue(); got != "default" {
		t.Errorf("default queue = %q", got)
	}
	if got := (&yarnpb.ApplicationSubmissionContextProto{}).GetApplicationType(); got != "YARN" {
		t.Errorf("default applicationType = %q", got)
	}
	if !(&yarnpb.ResourceRequestProto{}).GetRelaxLocality() {
		t.Error("default relax_locality = false, want true")
	}
	if got := (&yarnpb.ResourceRequestProto{}).GetAllocationRequestId(); got != -1 {
		t.Errorf("default allocation_request_id = %d, want -1", got)
	}
	if got := (&yarnpb.ContainerStatusProto{}).GetExitStatus(); got != -1000 {
		t.Errorf("default exit_status = %d, want -1000", got)
	}
	if yarnpb.YarnApplicationStateProto_FINISHED != 6 ||
		yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED != 1 ||
		yarnpb.ContainerStateProto_C_COMPLETE != 3 ||
		yarnpb.LocalResourceTypeProto_FILE != 2 ||
		commonpb.RpcSaslProto_WRAP != 5 {
		t.Error("enum numbers differ from Hadoop 3.2")
	}
}
