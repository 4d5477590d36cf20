package proc

import (
	"os/exec"
	"syscall"
)

// DieWithParent asks the kernel to send the child SIGTERM when this process dies, so a
// client-mode driver does not outlive a spindle that was killed with SIGKILL.
func DieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
}
