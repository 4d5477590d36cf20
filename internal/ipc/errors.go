package ipc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spindle-yarn/spindle/internal/pb/commonpb"
)

// Java exception class names that Call maps to typed errors.
const (
	classStandby                  = "org.apache.hadoop.ipc.StandbyException"
	classRetriable                = "org.apache.hadoop.ipc.RetriableException"
	classAccessControl            = "org.apache.hadoop.security.AccessControlException"
	classInvalidToken             = "org.apache.hadoop.security.token.SecretManager$InvalidToken"
	classYarn                     = "org.apache.hadoop.yarn.exceptions.YarnException"
	classApplicationNotFound      = "org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException"
	classAttemptNotFound          = "org.apache.hadoop.yarn.exceptions.ApplicationAttemptNotFoundException"
	classAMNotRegistered          = "org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException"
	classInvalidAMRequest         = "org.apache.hadoop.yarn.exceptions.InvalidApplicationMasterRequestException"
	classInvalidResourceRequest   = "org.apache.hadoop.yarn.exceptions.InvalidResourceRequestException"
	classInvalidBlacklistRequest  = "org.apache.hadoop.yarn.exceptions.InvalidResourceBlacklistRequestException"
	classAuthorization            = "org.apache.hadoop.security.authorize.AuthorizationException"
	classServerDidNotSetClassName = "ServerDidNotSetExceptionClassName"
)

// RemoteError is an exception reported by the server in an
// RpcResponseHeaderProto with status ERROR or FATAL.
//
// Exceptions of well-known classes are returned as their own types
// (StandbyError, AccessControlError, ...), each of which wraps a
// *RemoteError, so errors.As works both with the specific type and with
// *RemoteError.
type RemoteError struct {
	// ClassName is the fully qualified Java class of the server-side
	// exception, e.g. "org.apache.hadoop.ipc.StandbyException".
	ClassName string
	// Message is the exception message as sent by the server; it often
	// contains a Java stack trace after the first line.
	Message string
	// Detail is the server's error code (RpcErrorCodeProto), zero if unset.
	Detail commonpb.RpcResponseHeaderProto_RpcErrorCodeProto
	// Fatal reports that the server answered with status FATAL, after which
	// it closes the connection.
	Fatal bool
}

// Error returns the short class name and the first line of the message.
func (e *RemoteError) Error() string {
	name := e.ClassName
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	msg := e.Message
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimSpace(msg)
	// Hadoop often repeats the class name in front of the message.
	msg = strings.TrimPrefix(msg, e.ClassName+": ")
	if msg == "" {
		return "remote " + name
	}
	return "remote " + name + ": " + msg
}

// StandbyError is org.apache.hadoop.ipc.StandbyException: the server is a
// standby (HA) instance; the call should be sent to another ResourceManager.
type StandbyError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *StandbyError) Unwrap() error { return e.RemoteError }

// RetriableError is org.apache.hadoop.ipc.RetriableException: the server is
// temporarily unable to serve the call (e.g. its call queue is full); retry
// the same server after a back-off.
type RetriableError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *RetriableError) Unwrap() error { return e.RemoteError }

// AccessControlError is org.apache.hadoop.security.AccessControlException,
// e.g. "SIMPLE authentication is not enabled" when a token-only port is
// contacted without a token, or a user lacking queue/application ACLs.
type AccessControlError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *AccessControlError) Unwrap() error { return e.RemoteError }

// AuthorizationError is
// org.apache.hadoop.security.authorize.AuthorizationException: the
// authenticated user may not use the protocol (service-level ACLs) or may
// not impersonate Config.ProxyUser ("User: alice@EXAMPLE.COM is not allowed
// to impersonate bob"; the fix is hadoop.proxyuser.<user>.hosts/groups on
// the cluster).
type AuthorizationError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *AuthorizationError) Unwrap() error { return e.RemoteError }

// InvalidTokenError is org.apache.hadoop.security.token.SecretManager$InvalidToken:
// the SASL token (or a container token) was rejected by the server.
type InvalidTokenError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *InvalidTokenError) Unwrap() error { return e.RemoteError }

// YarnError is org.apache.hadoop.yarn.exceptions.YarnException, the generic
// YARN exception (subclasses with their own Go type are mapped to those).
type YarnError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *YarnError) Unwrap() error { return e.RemoteError }

// ApplicationNotFoundError is
// org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException. Right after
// submitApplication during an RM failover it means: resubmit.
type ApplicationNotFoundError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *ApplicationNotFoundError) Unwrap() error { return e.RemoteError }

// ApplicationAttemptNotFoundError is
// org.apache.hadoop.yarn.exceptions.ApplicationAttemptNotFoundException.
type ApplicationAttemptNotFoundError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *ApplicationAttemptNotFoundError) Unwrap() error { return e.RemoteError }

// ApplicationMasterNotRegisteredError is
// org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException:
// the AM must register again and resend its outstanding requests.
type ApplicationMasterNotRegisteredError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *ApplicationMasterNotRegisteredError) Unwrap() error { return e.RemoteError }

// InvalidApplicationMasterRequestError is
// org.apache.hadoop.yarn.exceptions.InvalidApplicationMasterRequestException
// (wrong responseId, double registration, ...).
type InvalidApplicationMasterRequestError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *InvalidApplicationMasterRequestError) Unwrap() error { return e.RemoteError }

// InvalidResourceRequestError is
// org.apache.hadoop.yarn.exceptions.InvalidResourceRequestException (a
// resource ask outside the scheduler's limits or otherwise malformed).
type InvalidResourceRequestError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *InvalidResourceRequestError) Unwrap() error { return e.RemoteError }

// InvalidResourceBlacklistRequestError is
// org.apache.hadoop.yarn.exceptions.InvalidResourceBlacklistRequestException.
type InvalidResourceBlacklistRequestError struct{ *RemoteError }

// Unwrap returns the underlying *RemoteError.
func (e *InvalidResourceBlacklistRequestError) Unwrap() error { return e.RemoteError }

// newRemoteError builds the typed error for an exception header.
func newRemoteError(className, message string, detail commonpb.RpcResponseHeaderProto_RpcErrorCodeProto, fatal bool) error {
	if className == "" {
		className = classServerDidNotSetClassName
	}
	re := &RemoteError{ClassName: className, Message: message, Detail: detail, Fatal: fatal}
	switch className {
	case classStandby:
		return &StandbyError{re}
	case classRetriable:
		return &RetriableError{re}
	case classAccessControl:
		return &AccessControlError{re}
	case classInvalidToken:
		return &InvalidTokenError{re}
	case classAuthorization:
		return &AuthorizationError{re}
	case classYarn:
		return &YarnError{re}
	case classApplicationNotFound:
		return &ApplicationNotFoundError{re}
	case classAttemptNotFound:
		return &ApplicationAttemptNotFoundError{re}
	case classAMNotRegistered:
		return &ApplicationMasterNotRegisteredError{re}
	case classInvalidAMRequest:
		return &InvalidApplicationMasterRequestError{re}
	case classInvalidResourceRequest:
		return &InvalidResourceRequestError{re}
	case classInvalidBlacklistRequest:
		return &InvalidResourceBlacklistRequestError{re}
	}
	return re
}

// remoteErrorFromHeader converts a non-SUCCESS response header to an error.
func remoteErrorFromHeader(h *commonpb.RpcResponseHeaderProto) error {
	return newRemoteError(h.GetExceptionClassName(), h.GetErrorMsg(), h.GetErrorDetail(),
		h.GetStatus() == commonpb.RpcResponseHeaderProto_FATAL)
}

// ConnectError reports that a connection to Addr could not be established
// (dial, handshake) or broke while in use (read/write failure, reset, EOF).
// RM HA code fails over on it. When Op is "dial" or "handshake" no request
// reached the server; when it is "read" or "write" a request may or may not
// have been executed.
type ConnectError struct {
	// Addr is the host:port that was being contacted.
	Addr string
	// Op is the phase that failed: "dial", "handshake", "write" or "read".
	Op string
	// Err is the underlying error.
	Err error
}

// Error describes the failed phase, the address and the cause.
func (e *ConnectError) Error() string {
	switch e.Op {
	case "dial":
		if e.Err != nil && strings.Contains(e.Err.Error(), e.Addr) {
			// net.OpError already names the address.
			return fmt.Sprintf("cannot connect: %v", e.Err)
		}
		return fmt.Sprintf("cannot connect to %s: %v", e.Addr, e.Err)
	case "handshake":
		return fmt.Sprintf("connection setup with %s failed: %v", e.Addr, e.Err)
	default:
		return fmt.Sprintf("connection to %s broken (%s): %v", e.Addr, e.Op, e.Err)
	}
}

// Unwrap returns the underlying error.
func (e *ConnectError) Unwrap() error { return e.Err }

// IsConnectError reports whether err is or wraps a *ConnectError.
func IsConnectError(err error) bool {
	var ce *ConnectError
	return errors.As(err, &ce)
}

// ErrClientClosed is returned by Call after Client.Close, and to calls that
// were pending when the client was closed.
var ErrClientClosed = errors.New("ipc: client closed")

// errIdleClosed marks a connection closed by the idle timer; a Call that
// picked such a connection before it registered transparently redials.
var errIdleClosed = errors.New("ipc: connection closed after idling")
