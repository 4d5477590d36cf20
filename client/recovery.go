package client

import (
	"strconv"
	"time"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
	"google.golang.org/protobuf/proto"
)

// Option keys of failure handling, after Spark's.
const (
	// KeyExcludeNodes: nodes executors never run on (spark.yarn.exclude.nodes).
	KeyExcludeNodes = "spindle.yarn.exclude.nodes"
	// KeyExcludeOnFailure turns excluding failing nodes on or off (spark.excludeOnFailure.enabled).
	KeyExcludeOnFailure = "spindle.excludeOnFailure.enabled"
	// KeyMaxFailedExecutorsPerNode: executor failures on a node that exclude it
	// (spark.excludeOnFailure.application.maxFailedExecutorsPerNode).
	KeyMaxFailedExecutorsPerNode = "spindle.excludeOnFailure.application.maxFailedExecutorsPerNode"
	// KeyExcludeTimeout: how long a node stays excluded (spark.excludeOnFailure.timeout).
	KeyExcludeTimeout = "spindle.excludeOnFailure.timeout"
	// KeyFailuresValidityInterval: how long an executor failure counts against
	// spindle.executor.maxFailures (spark.executor.failuresValidityInterval).
	KeyFailuresValidityInterval = "spindle.executor.failuresValidityInterval"
	// KeyAMAttemptFailuresValidityInterval: AM attempt failures older than
	// this do not count towards --max-app-attempts
	// (spark.yarn.am.attemptFailuresValidityInterval).
	KeyAMAttemptFailuresValidityInterval = "spindle.yarn.am.attemptFailuresValidityInterval"
)

// Recovery is how an application rides out failures of executors and nodes.
type Recovery struct {
	// ExcludeNodes are nodes (host or host:port) executors never run on.
	ExcludeNodes []string
	// MaxFailedExecutorsPerNode executor failures on one node exclude it for
	// ExcludeTimeout; 0 when exclusion on failure is off.
	MaxFailedExecutorsPerNode int
	ExcludeTimeout            time.Duration
	// FailuresValidity: executor failures older than this stop counting
	// against the budget (0: they always count).
	FailuresValidity time.Duration
	// AMAttemptFailuresValidity: AM attempt failures older than this do not
	// count towards the maximum attempts (0: YARN's default, they always count).
	AMAttemptFailuresValidity time.Duration
}

// recoveryDefault is Default for the keys of this file.
func recoveryDefault(key string) string {
	switch key {
	case KeyExcludeOnFailure:
		return "false"
	case KeyMaxFailedExecutorsPerNode:
		return "2"
	case KeyExcludeTimeout:
		return "1h"
	}
	return ""
}

// resolveRecovery reads the failure-handling keys.
func (r *resolver) resolveRecovery(o *Options) {
	rec := &o.Recovery
	rec.ExcludeNodes = splitNames(r.get(KeyExcludeNodes))
	if r.boolVal("conf", KeyExcludeOnFailure) {
		rec.MaxFailedExecutorsPerNode = r.intVal("conf", KeyMaxFailedExecutorsPerNode, 1)
	}
	rec.ExcludeTimeout = r.duration(KeyExcludeTimeout)
	rec.FailuresValidity = r.duration(KeyFailuresValidityInterval)
	rec.AMAttemptFailuresValidity = r.duration(KeyAMAttemptFailuresValidityInterval)
}

// duration reads an optional positive duration: "1h", "90s", or a number of
// milliseconds as Spark also accepts.
func (r *resolver) duration(key string) time.Duration {
	v := r.get(key)
	if v == "" {
		return 0
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.bad("conf", key, "%q: want a positive duration such as 1h or 90s (or milliseconds)", v)
	}
	return d
}

// spec is what the ApplicationMaster is told, with the Hadoop overrides.
func (rec Recovery) spec(hadoop map[string]string) spec.Recovery {
	return spec.Recovery{HadoopConf: hadoop, ExcludeNodes: rec.ExcludeNodes,
		MaxFailedExecutorsPerNode: rec.MaxFailedExecutorsPerNode, ExcludeTimeout: spec.Duration(rec.ExcludeTimeout),
		FailuresValidity: spec.Duration(rec.FailuresValidity)}
}

// apply asks YARN to keep the executors' containers when an AM attempt
// fails, so that the next attempt adopts them, unless a single attempt was
// asked for; and sets the attempt failures' validity interval.
func (rec Recovery) apply(asc *yarnpb.ApplicationSubmissionContextProto, maxAttempts int) {
	if maxAttempts != 1 {
		asc.KeepContainersAcrossApplicationAttempts = proto.Bool(true)
	}
	if rec.AMAttemptFailuresValidity > 0 {
		asc.AttemptFailuresValidityInterval = proto.Int64(rec.AMAttemptFailuresValidity.Milliseconds())
	}
}
