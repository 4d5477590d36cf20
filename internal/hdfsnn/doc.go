// Package hdfsnn is a small client of HDFS's ClientNamenodeProtocol over
// Spindle's own IPC client (package internal/ipc), for what
// colinmarc/hdfs cannot do:
//
//   - delegation tokens: getDelegationToken (with a renewer),
//     renewDelegationToken and cancelDelegationToken, over Kerberos;
//   - file operations authenticated with an HDFS delegation token (SASL
//     TOKEN/DIGEST-MD5), as an ApplicationMaster inside a container has no
//     Kerberos ticket: getFileInfo (Stat), mkdirs and delete.
//
// Authentication is the ipc.Client's: configure it with ipc.KerberosAuth
// (ServerPrincipal returning dfs.namenode.kerberos.principal) for the
// token calls, or use WithToken for token authentication. Tokens come back
// in the shape Hadoop credentials files hold (identifier, password, kind
// HDFS_DELEGATION_TOKEN, service "ip:port" as SecurityUtil.buildTokenService
// makes it, or "ha-hdfs:<nameservice>" for HA).
package hdfsnn
