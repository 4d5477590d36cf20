// Package pb holds Spindle's generated protobuf code for the Hadoop wire
// protocols and the sources and script it is generated from.
//
// Sub-packages:
//
//   - commonpb: Hadoop common IPC messages (RpcHeader, IpcConnectionContext,
//     ProtobufRpcEngine, Security), proto package spindle.hadoop.common,
//     sources in proto/spindle/common.
//   - yarnpb: YARN records and the ApplicationClientProtocol,
//     ApplicationMasterProtocol and ContainerManagementProtocol messages
//     (yarn_protos, yarn_service_protos, yarn_security_token), proto package
//     spindle.hadoop.yarn, sources in proto/spindle/yarn.
//   - hdfspb: the HDFS records and ClientNamenodeProtocol messages the
//     NameNode client needs (file status, mkdirs, delete), proto package
//     spindle.hadoop.hdfs, sources in proto/spindle/hdfs.
//
// The .proto files are proto2 and carry Hadoop 3.2's message names, field
// numbers, types, labels and defaults. Their proto packages are renamed from
// hadoop.common/hadoop.yarn/hadoop.hdfs and their file paths live under spindle/, so the
// descriptors never conflict in the global protobuf registry with other
// copies linked into the same binary (colinmarc/hdfs registers
// "RpcHeader.proto" etc. under hadoop.common). Package names never appear on
// the wire, so the encoding is identical to Hadoop's.
//
// To regenerate after editing a .proto file, run (needs protoc on PATH;
// installs the pinned protoc-gen-go into a temporary directory if missing):
//
//	go generate ./internal/pb
//
// which runs gen.sh. The generated *.pb.go files are committed.
package pb

//go:generate bash gen.sh
