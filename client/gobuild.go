package client

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// IsGoPackageDir reports whether path is a directory holding Go source files, which
// spindle builds into the program to ship (`spindle submit ./examples/pi`).
func IsGoPackageDir(path string) bool {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return false
	}
	matches, _ := filepath.Glob(filepath.Join(path, "*.go"))
	return len(matches) > 0
}

// BuildGoPackage builds the Go main package in dir into a static binary for goos/goarch
// inside outDir and returns its path. It needs the go command on PATH.
func BuildGoPackage(ctx context.Context, dir, goos, goarch, outDir string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("APP %s is a Go package directory, but the go command is not on PATH: build it yourself (CGO_ENABLED=0 go build) and pass the binary", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	out := filepath.Join(outDir, filepath.Base(abs))
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", out, ".")
	cmd.Dir = abs
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build APP %s with go build: %w\n%s", dir, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
