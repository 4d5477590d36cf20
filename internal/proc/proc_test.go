package proc

import (
	"errors"
	"os/exec"
	"reflect"
	"syscall"
	"testing"
)

func TestEnvironOrderAndOverride(t *testing.T) {
	got := Environ([]string{"PATH=/bin"}, map[string]string{"B": "1", "A": "2"}, map[string]string{"A": "3"})
	want := []string{"PATH=/bin", "A=2", "B=1", "A=3"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Environ = %q, want %q", got, want)
	}
}

func TestExitOf(t *testing.T) {
	if e := ExitOf(nil); e.Code != 0 || e.Describe("the driver") != "the driver exited 0" {
		t.Fatalf("nil: %+v %q", e, e.Describe("the driver"))
	}
	e := ExitOf(exec.Command("/bin/sh", "-c", "exit 3").Run())
	if e.Code != 3 || e.Describe("the driver") != "the driver exited with code 3" {
		t.Fatalf("exit 3: %+v %q", e, e.Describe("the driver"))
	}
	e = ExitOf(exec.Command("/bin/sh", "-c", "kill -TERM $$").Run())
	if e.Signal != syscall.SIGTERM || e.Code != 128+int(syscall.SIGTERM) {
		t.Fatalf("SIGTERM: %+v", e)
	}
	if d := e.Describe("the executor"); d != "the executor was killed by signal terminated" {
		t.Fatalf("describe = %q", d)
	}
	e = ExitOf(errors.New("wait: boom"))
	if e.Code != 1 || e.Err == nil || e.Describe("x") != "x failed: wait: boom" {
		t.Fatalf("other error: %+v", e)
	}
}
