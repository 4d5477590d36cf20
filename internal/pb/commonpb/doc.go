// Package commonpb is generated Go code for Hadoop's common IPC protobuf
// messages (proto package spindle.hadoop.common): RPC request/response and
// SASL headers, the connection context, the protobuf engine's request header,
// and security tokens/credentials. See package pb for how it is generated.
package commonpb
