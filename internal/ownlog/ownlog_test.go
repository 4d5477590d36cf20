package ownlog

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestMain lets the test binary be the child whose stdout is a file.
func TestMain(m *testing.M) {
	if os.Getenv("OWNLOG_CHILD") == "1" {
		os.Stdout.WriteString("hello from stdout\n")
		f, err := Open(Stdout)
		if err != nil {
			os.Stderr.WriteString("open: " + err.Error())
			os.Exit(3)
		}
		b, err := ReadAt(f, 6, 100)
		if err != nil {
			os.Exit(4)
		}
		os.Stderr.WriteString(string(b))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestOpenReadsOwnFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc/self/fd")
	}
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OWNLOG_CHILD=1")
	cmd.Stdout = out
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v: %s", err, stderr.String())
	}
	if got := stderr.String(); got != "from stdout\n" {
		t.Fatalf("read back %q, want %q", got, "from stdout\n")
	}
}

func TestOpenRefusesPipe(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc/self/fd")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := openFD(int(w.Fd())); !errors.Is(err, ErrNotAFile) {
		t.Fatalf("open a pipe: %v, want ErrNotAFile", err)
	}
	if _, err := Open("stdin"); err == nil {
		t.Fatal("Open(stdin) succeeded")
	}
}

func TestReadAtEnd(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("abc")
	b, err := ReadAt(f, 3, 10)
	if err != nil || len(b) != 0 {
		t.Fatalf("ReadAt at the end: %q, %v", b, err)
	}
	b, err = ReadAt(f, 1, 10)
	if err != nil || string(b) != "bc" {
		t.Fatalf("ReadAt(1): %q, %v", b, err)
	}
}
