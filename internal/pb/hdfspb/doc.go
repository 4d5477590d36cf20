// Package hdfspb is generated Go code for the subset of HDFS's protobuf
// messages Spindle uses (proto package spindle.hadoop.hdfs): file status
// records and the getFileInfo, mkdirs and delete messages of
// ClientNamenodeProtocol. See package pb for how it is generated.
package hdfspb
