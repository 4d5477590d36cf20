package container

import (
	"fmt"
	"time"
)

// AppInfo describes the application as the ApplicationMaster sees it. It is
// the body of GET /api/v1/app.
type AppInfo struct {
	// ID is the YARN application id, e.g. "application_1700000000000_0001".
	ID string `json:"id"`
	// Name is the application name given at submission.
	Name string `json:"name"`
	// Mode is "cluster" (the driver runs in a container) or "client" (the
	// driver runs where `spindle submit` was started).
	Mode string `json:"mode"`
	// State is the ApplicationMaster's view of the application, e.g.
	// "running" or "finishing".
	State string `json:"state"`
	// TargetExecutors is how many executors the ApplicationMaster is
	// currently trying to keep running.
	TargetExecutors int `json:"numExecutors"`
	// Diagnostics is human-readable detail about the state, if any.
	Diagnostics string `json:"diagnostics"`
	// Live is the application's progress as the status line and the
	// status page show it (zero where the AM does not know it).
	Live
	// Tasks counts the tasks of the work queue (see Client.Enqueue).
	Tasks QueueCounts `json:"tasks"`
	// DynamicAllocation is set when the ApplicationMaster scales the
	// executors on the work queue's backlog
	// (spindle.dynamicAllocation.enabled).
	DynamicAllocation bool `json:"dynamicAllocation"`
}

// Live is the part of AppInfo for watching an application: who and where,
// executor counts against the target, the failure budget, the attempt.
type Live struct {
	// User and Queue are the submitting user and the YARN queue.
	User  string `json:"user,omitempty"`
	Queue string `json:"queue,omitempty"`
	// StartedAt is when this ApplicationMaster attempt started.
	StartedAt time.Time `json:"startedAt,omitzero"`
	// Attempt is this attempt's number (1, 2, ...) of MaxAttempts.
	Attempt     int `json:"attempt,omitempty"`
	MaxAttempts int `json:"maxAttempts,omitempty"`
	// Running, Pending and Failed count executors: running (or starting),
	// wanted but not yet allocated, and failed so far.
	Running int `json:"running"`
	Pending int `json:"pending"`
	Failed  int `json:"failed"`
	// FailureBudget is how many executor failures the application tolerates.
	FailureBudget int `json:"failureBudget,omitempty"`
	// ExecutorMemoryMB and ExecutorCores are each executor's container size.
	ExecutorMemoryMB int64 `json:"executorMemoryMB,omitempty"`
	ExecutorCores    int32 `json:"executorCores,omitempty"`
	// AMContainer is the ApplicationMaster's container (in cluster mode the
	// driver's output is its stdout and stderr); DriverLogURL its logs in
	// the NodeManager's web UI.
	AMContainer  string `json:"amContainer,omitempty"`
	DriverLogURL string `json:"driverLogUrl,omitempty"`
}

// ScaleEvent is one decision of dynamic allocation: a new target or the
// release of an idle executor. GET /api/v1/scale/events returns the latest ones,
// oldest first.
type ScaleEvent struct {
	// Time is when the decision was taken.
	Time time.Time `json:"time"`
	// Target is the number of executors wanted after the decision.
	Target int `json:"target"`
	// Release is the id of the executor released, if the decision released
	// one.
	Release string `json:"release,omitempty"`
	// Reason says why, e.g. "target 1 -> 2: tasks have been queued for
	// 1s ...".
	Reason string `json:"reason"`
}

// Values of ExecutorInfo.Activity.
const (
	// ActivityIdle: the executor holds no task lease.
	ActivityIdle = "idle"
	// ActivityBusy: the executor holds at least one task lease.
	ActivityBusy = "busy"
	// ActivityStopping: the ApplicationMaster asked the executor to stop.
	ActivityStopping = "stopping"
)

// Executor states reported in ExecutorInfo.State.
const (
	// ExecutorRequested means a container has been asked for but not yet
	// allocated.
	ExecutorRequested = "requested"
	// ExecutorStarting means a container is allocated and being launched.
	ExecutorStarting = "starting"
	// ExecutorRunning means the executor's launcher reported that it started.
	ExecutorRunning = "running"
	// ExecutorCompleted means the executor exited with status 0.
	ExecutorCompleted = "completed"
	// ExecutorFailed means the executor exited with a non-zero status or its
	// container was lost.
	ExecutorFailed = "failed"
	// ExecutorKilled means the executor was stopped on purpose (scale-down
	// or application shutdown).
	ExecutorKilled = "killed"
)

// ExecutorInfo describes one executor. GET /api/v1/executors returns a JSON
// array of them.
type ExecutorInfo struct {
	// ID is the executor id, "1", "2", ... (SPINDLE_EXECUTOR_ID inside it).
	ID string `json:"id"`
	// Host is the NodeManager host the executor runs on; empty until
	// allocated.
	Host string `json:"host"`
	// Node is that NodeManager's address, host:port, as YARN names nodes;
	// empty until allocated.
	Node string `json:"node,omitempty"`
	// State is one of the Executor* state constants.
	State string `json:"state"`
	// ContainerID is the YARN container id; empty until allocated.
	ContainerID string `json:"containerId"`
	// LogURL points at the container's logs in the NodeManager web UI.
	LogURL string `json:"logUrl"`
	// ExitStatus is the container's exit status once it has finished, nil
	// before.
	ExitStatus *int `json:"exitStatus"`
	// Diagnostics is YARN's or the launcher's explanation of a failure.
	Diagnostics string `json:"diagnostics"`
	// StartedAt is when the executor reported that it started; zero (and
	// absent from the JSON) before.
	StartedAt time.Time `json:"startedAt,omitzero"`
	// FinishedAt is when the container finished; zero (and absent from the
	// JSON) before.
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	// Activity is the use a live executor makes of the work queue:
	// ActivityIdle, ActivityBusy or ActivityStopping; empty once it ended.
	Activity string `json:"activity,omitempty"`
	// Leases is the number of task leases the executor holds.
	Leases int `json:"leases,omitempty"`
	// IdleSince is when a live idle executor last became idle: when its
	// last lease ended, or when it started if it never had one.
	IdleSince time.Time `json:"idleSince,omitzero"`
}

// ScaleRequest is the body of POST /api/v1/scale.
type ScaleRequest struct {
	// Executors is the new target number of executors (>= 0).
	Executors int `json:"executors"`
}

// DriverFinish is the body of POST /api/v1/driver/finish: the outcome of a
// driver the ApplicationMaster does not run itself (client mode).
type DriverFinish struct {
	// ExitCode is the driver program's exit code; 0 means success.
	ExitCode int `json:"exitCode"`
	// Diagnostics is a human-readable explanation, shown by YARN.
	Diagnostics string `json:"diagnostics"`
}

// ErrorResponse is the JSON body of every error the AM HTTP API returns.
type ErrorResponse struct {
	// Error says what went wrong.
	Error string `json:"error"`
}

// Limits of the AM's key-value store.
const (
	// MaxKVKeyLen is the longest key, in bytes.
	MaxKVKeyLen = 512
	// MaxKVValueSize is the largest value, in bytes (1 MiB).
	MaxKVValueSize = 1 << 20
	// MaxKVWait is the longest one GET ?wait= long-poll lasts; longer waits
	// are shortened to it. Client.Wait strings several together.
	MaxKVWait = 60 * time.Second
)

// ValidateKVKey reports whether key can name an entry in the AM's key-value
// store: 1 to MaxKVKeyLen bytes of ASCII letters, digits, '.', '_', '-' and
// '/', where '/' separates non-empty segments that are not "." or "..". So
// keys such as "driver/addr" or "shuffle/3/done" are fine; "/a", "a//b",
// "a/" and "a/../b" are not, because URL paths would mangle them.
func ValidateKVKey(key string) error {
	if key == "" {
		return fmt.Errorf("invalid key: key is empty")
	}
	if len(key) > MaxKVKeyLen {
		return fmt.Errorf("invalid key: key is %d bytes, the limit is %d", len(key), MaxKVKeyLen)
	}
	segStart := 0
	for i := 0; i <= len(key); i++ {
		if i < len(key) && key[i] != '/' {
			c := key[i]
			if !kvKeyByte(c) {
				return fmt.Errorf("invalid key %q: byte %q at offset %d is not allowed (use letters, digits, '.', '_', '-' and '/')", key, c, i)
			}
			continue
		}
		// key[segStart:i] is a complete segment.
		switch seg := key[segStart:i]; seg {
		case "":
			return fmt.Errorf("invalid key %q: empty segment (keys must not start or end with '/' or contain \"//\")", key)
		case ".", "..":
			return fmt.Errorf("invalid key %q: segment %q is not allowed", key, seg)
		}
		segStart = i + 1
	}
	return nil
}

// kvKeyByte reports whether c may appear in a key segment.
func kvKeyByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '.', c == '_', c == '-':
		return true
	}
	return false
}

// Credentials is the answer of GET /api/v1/credentials: the newest Hadoop
// credentials file the ApplicationMaster hands out to the caller's role
// (refreshed delegation tokens on a secured cluster), with its version.
type Credentials struct {
	// Version increases with every refresh; the tokens the containers
	// started with are version 1.
	Version uint64 `json:"version"`
	// File is the credentials file (Hadoop's Writable format), the bytes
	// HADOOP_TOKEN_FILE_LOCATION should hold; empty when there is no
	// version newer than the one asked about.
	File []byte `json:"file,omitempty"`
}
