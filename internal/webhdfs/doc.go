// Package webhdfs is a small WebHDFS client that authenticates with an HDFS
// delegation token: the data path of the staging filesystem inside YARN
// containers on a secured cluster. There a container has delegation tokens
// and no Kerberos ticket, colinmarc/hdfs authenticates only with Kerberos,
// and reading or writing a file over the NameNode's HTTP server needs only
// the token (the "delegation" query parameter), which the NameNode passes
// on in its redirect to a DataNode.
//
// It creates, reads, renames and sets the permission of files: what the
// ApplicationMaster's state files and an executor's lookup of the AM's
// address need. Metadata calls that have an IPC form (stat, mkdir, delete)
// go to the NameNode over IPC instead (package hdfsnn).
package webhdfs
