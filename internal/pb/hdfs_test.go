package pb_test

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/hdfspb"
)

// TestHdfsFileStatusKeepsOmittedFields checks that fields left out of our
// subset of hdfs.proto (here locations = 12) survive a decode/encode round
// trip as unknown fields, and that the ones we declare decode.
func TestHdfsFileStatusKeepsOmittedFields(t *testing.T) {
	st := &hdfspb.HdfsFileStatusProto{
		FileType:         hdfspb.HdfsFileStatusProto_IS_DIR.Enum(),
		Path:             []byte("staging"),
		Length:           proto.Uint64(0),
		Permission:       &hdfspb.FsPermissionProto{Perm: proto.Uint32(0o700)},
		Owner:            proto.String("alice"),
		Group:            proto.String("supergroup"),
		ModificationTime: proto.Uint64(1700000000123),
		AccessTime:       proto.Uint64(0),
		ChildrenNum:      proto.Int32(2),
	}
	b, err := proto.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	// Append field 12 (LocatedBlocksProto) as an opaque length-delimited blob.
	blob := []byte{0x08, 0x2a}
	b = protowire.AppendTag(b, 12, protowire.BytesType)
	b = protowire.AppendBytes(b, blob)

	var got hdfspb.HdfsFileStatusProto
	if err := proto.Unmarshal(b, &got); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if got.GetOwner() != "alice" || got.GetPermission().GetPerm() != 0o700 || got.GetChildrenNum() != 2 ||
		got.GetFileType() != hdfspb.HdfsFileStatusProto_IS_DIR {
		t.Errorf("decoded %v", &got)
	}
	again, err := proto.MarshalOptions{Deterministic: true}.Marshal(&got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(again, append([]byte{0x62, byte(len(blob))}, blob...)) {
		t.Errorf("field 12 was dropped: % x", again)
	}
}
