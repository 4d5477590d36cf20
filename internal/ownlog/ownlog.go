// Package ownlog reads the calling process's own stdout and stderr back when
// they are regular files, as in a YARN container, whose launch script sends
// them to the container's log directory (1>LOG_DIR/stdout 2>LOG_DIR/stderr).
// The ApplicationMaster and the executor launcher read their containers' logs
// this way to stream them to a follower.
package ownlog

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrNotAFile is returned by Open when the stream is not a regular file
// (a terminal or a pipe: not a container's log file).
var ErrNotAFile = errors.New("not a regular file")

// Stream names, as the container's log files are named.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// Open opens the process's own stream (Stdout or Stderr) for reading, from
// the beginning of the file, without touching the process's descriptor.
func Open(stream string) (*os.File, error) {
	fd, err := streamFD(stream)
	if err != nil {
		return nil, err
	}
	return openFD(fd)
}

func streamFD(stream string) (int, error) {
	switch stream {
	case Stdout:
		return 1, nil
	case Stderr:
		return 2, nil
	}
	return 0, fmt.Errorf("log stream %q: want %s or %s", stream, Stdout, Stderr)
}

// ReadAt reads at most max bytes of f from offset off; at the end of the
// file it returns what there is, possibly nothing, and no error.
func ReadAt(f *os.File, off int64, max int) ([]byte, error) {
	buf := make([]byte, max)
	n, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s at %d: %w", f.Name(), off, err)
	}
	return buf[:n], nil
}
