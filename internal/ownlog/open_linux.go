package ownlog

import (
	"fmt"
	"os"
)

// openFD opens the file behind the process's descriptor fd anew, read-only,
// through /proc/self/fd, when it is a regular file.
func openFD(fd int) (*os.File, error) {
	p := fmt.Sprintf("/proc/self/fd/%d", fd)
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("descriptor %d: %w", fd, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("descriptor %d: %w", fd, ErrNotAFile)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("descriptor %d: %w", fd, err)
	}
	return f, nil
}
