//go:build !linux

package ownlog

import (
	"errors"
	"fmt"
	"os"
)

// openFD is not supported where there is no /proc/self/fd: YARN containers
// run on Linux.
func openFD(fd int) (*os.File, error) {
	return nil, fmt.Errorf("descriptor %d: %w", fd, errors.ErrUnsupported)
}
