package yarn

import "fmt"

// Special container exit statuses (ContainerStatusProto.exit_status) set by
// YARN rather than by the container's process. Any other value is the exit
// code of the container's launch script.
const (
	// ExitSuccess is a normal exit with code 0.
	ExitSuccess int32 = 0
	// ExitInvalid is the initial value, before the container has exited.
	ExitInvalid int32 = -1000
	// ExitAborted: the container was released by the ApplicationMaster or
	// its node was lost; it was killed by the framework, not by a failure.
	ExitAborted int32 = -100
	// ExitDisksFailed: the NodeManager's local or log directories went bad.
	ExitDisksFailed int32 = -101
	// ExitPreempted: the container was preempted by the scheduler.
	ExitPreempted int32 = -102
	// ExitKilledExceededVMem: the container exceeded its virtual memory
	// limit.
	ExitKilledExceededVMem int32 = -103
	// ExitKilledExceededPMem: the container exceeded its physical memory
	// limit.
	ExitKilledExceededPMem int32 = -104
	// ExitKilledByAppMaster: the ApplicationMaster stopped the container.
	ExitKilledByAppMaster int32 = -105
	// ExitKilledByResourceManager: the ResourceManager killed the container.
	ExitKilledByResourceManager int32 = -106
	// ExitKilledAfterAppCompletion: the container was killed because its
	// application had finished.
	ExitKilledAfterAppCompletion int32 = -107
	// ExitKilledByContainerScheduler: the NodeManager's container scheduler
	// killed an opportunistic container (newer Hadoop versions).
	ExitKilledByContainerScheduler int32 = -108
	// ExitKilledForExcessLogs: the container wrote more logs than allowed
	// (newer Hadoop versions).
	ExitKilledForExcessLogs int32 = -109
)

// exitNames maps the special exit statuses to names and explanations.
func exitName(s int32) (name, why string, ok bool) {
	switch s {
	case ExitSuccess:
		return "SUCCESS", "", true
	case ExitInvalid:
		return "INVALID", "no exit status yet", true
	case ExitAborted:
		return "ABORTED", "released by the application master or node lost", true
	case ExitDisksFailed:
		return "DISKS_FAILED", "node manager disks failed", true
	case ExitPreempted:
		return "PREEMPTED", "preempted by the scheduler", true
	case ExitKilledExceededVMem:
		return "KILLED_EXCEEDED_VMEM", "exceeded its virtual memory limit", true
	case ExitKilledExceededPMem:
		return "KILLED_EXCEEDED_PMEM", "exceeded its physical memory limit", true
	case ExitKilledByAppMaster:
		return "KILLED_BY_APPMASTER", "stopped by the application master", true
	case ExitKilledByResourceManager:
		return "KILLED_BY_RESOURCEMANAGER", "killed by the resource manager", true
	case ExitKilledAfterAppCompletion:
		return "KILLED_AFTER_APP_COMPLETION", "killed after the application finished", true
	case ExitKilledByContainerScheduler:
		return "KILLED_BY_CONTAINER_SCHEDULER", "killed by the node's container scheduler", true
	case ExitKilledForExcessLogs:
		return "KILLED_FOR_EXCESS_LOGS", "wrote too many logs", true
	}
	return "", "", false
}

// ExitStatusString describes a container exit status: special statuses by
// name and meaning, e.g. "KILLED_EXCEEDED_PMEM (-104): exceeded its physical
// memory limit", anything else as "exit code N". Codes above 128 are also
// shown as the signal that likely caused them ("exit code 137 (signal 9)").
func ExitStatusString(status int32) string {
	if name, why, ok := exitName(status); ok {
		if why == "" {
			return fmt.Sprintf("%s (%d)", name, status)
		}
		return fmt.Sprintf("%s (%d): %s", name, status, why)
	}
	if status > 128 && status < 128+65 {
		return fmt.Sprintf("exit code %d (signal %d)", status, status-128)
	}
	return fmt.Sprintf("exit code %d", status)
}

// IsSpecialExitStatus reports whether status is one of the YARN-defined
// negative statuses rather than a process exit code.
func IsSpecialExitStatus(status int32) bool {
	_, _, ok := exitName(status)
	return ok && status != ExitSuccess
}
