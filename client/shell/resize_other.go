//go:build !unix

package shell

import "os"

// notifyResize does nothing where there is no SIGWINCH: the line editor keeps
// the width it found at the start.
func notifyResize(chan<- os.Signal) {}
