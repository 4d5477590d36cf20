// Package creds reads and writes Hadoop credentials files ("HDTS" token
// storage, the Writable and protobuf formats): what travels as
// ContainerLaunchContext.tokens and what a container finds in the file
// HADOOP_TOKEN_FILE_LOCATION names. It holds tokens (the AMRM token, NM and
// HDFS delegation tokens) and secret keys (Spindle's API secrets).
package creds
