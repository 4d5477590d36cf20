// Package ipc is a client for Hadoop IPC version 9 ("hrpc"), the RPC
// protocol spoken by the YARN ResourceManager and NodeManagers.
//
// A Client keeps one TCP connection per (address, protocol, user, token)
// and multiplexes concurrent calls on it: each request carries a call id,
// and one reader goroutine per connection hands every response to the call
// waiting for that id, in whatever order the server answers.
//
// Authentication is SIMPLE (the user name is sent in the connection
// context) when Call is given no token, SASL KERBEROS with GSSAPI when Call
// is given no token and Config.Kerberos is set (a login from package
// internal/krb; the server's announced principal is checked against the
// configured one), and SASL TOKEN with DIGEST-MD5 (package internal/sasl)
// when it is given one, e.g. an AMRMToken for the scheduler port, an
// NMToken for a NodeManager or a delegation token. Config.ProxyUser makes
// the calls act as another user (Hadoop impersonation). If the negotiated
// quality of protection is integrity or privacy, every packet after the
// negotiation is carried inside SASL WRAP messages.
//
// Packets are a 4-byte big-endian length followed by varint-length-
// delimited protobuf messages: RpcRequestHeaderProto, RequestHeaderProto
// (method and protocol names) and the request for calls;
// RpcResponseHeaderProto and, on success, the response for answers.
//
// Connections are dialed on first use, pinged while a call is outstanding
// and the server is silent for Config.PingInterval, closed after
// Config.IdleTimeout without calls, and dropped from the pool when they
// break; the next Call dials again. Server exceptions are returned as
// *RemoteError or a typed error wrapping it (StandbyError,
// AccessControlError, ...), connection failures as *ConnectError.
package ipc
