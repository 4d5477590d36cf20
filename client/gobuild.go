package client

import (
	"bytes"
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	if err := checkMainPackage(dir, abs); err != nil {
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

// checkMainPackage fails unless the Go files of the directory (tests aside)
// declare package main: go build makes no program of any other package.
func checkMainPackage(given, dir string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		pf, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err != nil {
			continue // go build reports it
		}
		if pf.Name.Name == "main" {
			return nil
		}
		if !slices.Contains(names, pf.Name.Name) {
			names = append(names, pf.Name.Name)
		}
	}
	if len(names) == 0 {
		return nil // go build says what is wrong
	}
	return fmt.Errorf("APP %s is a Go package directory, but it holds package %s, not a main package: give the directory of a program (package main with func main), or a built program", given, strings.Join(names, ", "))
}
