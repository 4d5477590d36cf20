//go:build !linux

package proc

import "os/exec"

// DieWithParent is a no-op where the kernel offers no parent-death signal; the
// driver then outlives a spindle killed with SIGKILL.
func DieWithParent(cmd *exec.Cmd) {}
