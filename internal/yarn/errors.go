package yarn

import (
	"errors"
	"strings"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// SerializedError is a Java exception as YARN serializes it into records
// (SerializedExceptionProto), e.g. a per-container failure reported by a
// NodeManager.
type SerializedError struct {
	// ClassName is the exception's Java class, e.g.
	// "org.apache.hadoop.yarn.exceptions.YarnException".
	ClassName string
	// Message is the exception message.
	Message string
	// Trace is the Java stack trace as text, if the server sent one.
	Trace string
	// Cause is the nested cause, or nil.
	Cause *SerializedError
}

// maxCauseDepth bounds the recursion over nested causes of a
// SerializedExceptionProto.
const maxCauseDepth = 16

// SerializedErrorFromProto converts p, including up to 16 levels of causes.
// It returns nil for a nil p.
func SerializedErrorFromProto(p *yarnpb.SerializedExceptionProto) *SerializedError {
	return serializedErrorFromProto(p, 0)
}

func serializedErrorFromProto(p *yarnpb.SerializedExceptionProto, depth int) *SerializedError {
	if p == nil {
		return nil
	}
	e := &SerializedError{ClassName: p.GetClassName(), Message: p.GetMessage(), Trace: p.GetTrace()}
	if depth < maxCauseDepth {
		e.Cause = serializedErrorFromProto(p.GetCause(), depth+1)
	}
	return e
}

// Error returns the short class name and the message's first line, e.g.
// "YarnException: Container ... already started".
func (e *SerializedError) Error() string {
	name := e.ClassName
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	msg := strings.TrimSpace(firstLine(e.Message))
	switch {
	case name == "" && msg == "":
		return "unknown remote exception"
	case name == "":
		return msg
	case msg == "":
		return name
	}
	return name + ": " + msg
}

// Unwrap returns the cause, so errors.As can reach nested exceptions.
func (e *SerializedError) Unwrap() error {
	if e.Cause == nil {
		return nil
	}
	return e.Cause
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// IsSerializedClass reports whether err is or wraps a *SerializedError
// (at any cause level) whose ClassName equals className.
func IsSerializedClass(err error, className string) bool {
	for err != nil {
		var se *SerializedError
		if !errors.As(err, &se) {
			return false
		}
		if se.ClassName == className {
			return true
		}
		if se.Cause == nil {
			return false
		}
		err = se.Cause
	}
	return false
}
