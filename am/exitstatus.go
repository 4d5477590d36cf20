package am

import (
	"fmt"
	"strings"
)

// YARN's special container exit statuses (ContainerExitStatus in Hadoop).
const (
	exitSuccess                  = 0
	exitInvalid                  = -1000
	exitAborted                  = -100
	exitDisksFailed              = -101
	exitPreempted                = -102
	exitKilledExceededVMem       = -103
	exitKilledExceededPMem       = -104
	exitKilledByAppMaster        = -105
	exitKilledByResourceManager  = -106
	exitKilledAfterAppCompletion = -107
)

// outcome is what a finished executor means for the application.
type outcome int

const (
	// outcomeSucceeded: the executor's program exited 0.
	outcomeSucceeded outcome = iota
	// outcomeFailed: the executor failed through its own fault; it counts against the
	// failure budget and is replaced.
	outcomeFailed
	// outcomeLost: the framework took the container away (preemption, kill by the RM or
	// by us, node or disk loss); it does not count against the budget and is replaced
	// if still wanted.
	outcomeLost
)

// classifyExit decides what a completed container means and says why in words a user
// can act on. stoppedByUs is true when the AM itself asked for the container to stop.
func classifyExit(status int, diagnostics string, memoryMB int64, stoppedByUs bool) (outcome, string) {
	switch {
	case stoppedByUs:
		return outcomeLost, "stopped by the ApplicationMaster"
	case status == exitSuccess:
		return outcomeSucceeded, "exited 0"
	case status == exitKilledExceededPMem:
		return outcomeFailed, fmt.Sprintf("killed by YARN for exceeding its physical memory limit of %d MB: raise --executor-memory (%s)", memoryMB, firstLine(diagnostics))
	case status == exitKilledExceededVMem:
		return outcomeFailed, fmt.Sprintf("killed by YARN for exceeding its virtual memory limit (yarn.nodemanager.vmem-pmem-ratio x %d MB): raise --executor-memory or ask the cluster admin about yarn.nodemanager.vmem-check-enabled", memoryMB)
	case status == exitPreempted:
		return outcomeLost, "preempted by the scheduler"
	case status == exitKilledByResourceManager, status == exitKilledAfterAppCompletion:
		return outcomeLost, "killed by the ResourceManager"
	case status == exitKilledByAppMaster:
		return outcomeLost, "killed at the ApplicationMaster's request"
	case status == exitAborted:
		return outcomeLost, "released or lost by YARN (" + firstLine(diagnostics) + ")"
	case status == exitDisksFailed:
		return outcomeLost, "lost: the node's disks failed"
	case status == exitInvalid:
		return outcomeFailed, "could not be launched by YARN (exit status -1000): " + firstLine(strings.TrimSpace(diagnostics))
	default:
		return outcomeFailed, fmt.Sprintf("exited with code %d", status)
	}
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
