package client

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// utFile creates a file with the given mode in dir and returns its path.
func utFile(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func utExecutable(path string) func() (string, error) {
	return func() (string, error) { return path, nil }
}

func utRequireLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("Prepare ships this binary only when built for Linux")
	}
}

func TestPrepareOK(t *testing.T) {
	utRequireLinux(t)
	dir := t.TempDir()
	app := utFile(t, dir, "bin/myapp", 0o755)
	data := utFile(t, dir, "data.txt", 0o644)
	jar := utFile(t, dir, "lib.jar", 0o644)
	arch := utFile(t, dir, "env.tar.gz", 0o644)
	utTarGz(t, arch)
	self := utFile(t, dir, "self/spindle", 0o755)
	opts := &Options{App: app, AppArgs: []string{"x", "y"}, Files: []string{data + "#d.txt"}, Jars: []string{jar},
		Archives: []string{arch}}
	s, err := Prepare(opts, utExecutable(self))
	if err != nil {
		t.Fatal(err)
	}
	if s.AppLink != "myapp" || s.Binary != self || s.Opts != opts {
		t.Errorf("submission = %+v", s)
	}
	var names, types []string
	for _, it := range s.plan.Items {
		names = append(names, it.Name)
		types = append(types, it.Type)
	}
	if want := []string{"myapp", "d.txt", "lib.jar", "env.tar.gz"}; !reflect.DeepEqual(names, want) {
		t.Errorf("plan names = %q, want %q", names, want)
	}
	if want := []string{spec.TypeFile, spec.TypeFile, spec.TypeFile, spec.TypeArchive}; !reflect.DeepEqual(types, want) {
		t.Errorf("plan types = %q, want %q", types, want)
	}
	if got, want := s.driverCommand(), []string{"./myapp", "x", "y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("driverCommand = %q, want %q", got, want)
	}
	if got, want := s.executorCommand(), []string{"./myapp", "x", "y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("executorCommand = %q, want %q (APP ARGS by default)", got, want)
	}
}

func TestPrepareExecutorCommandOnly(t *testing.T) {
	utRequireLinux(t)
	self := utFile(t, t.TempDir(), "spindle", 0o755)
	opts := &Options{ExecutorCommand: []string{"python3", "-c", "print(1)"}}
	s, err := Prepare(opts, utExecutable(self))
	if err != nil {
		t.Fatalf("--executor-command without APP: %v", err)
	}
	if s.AppLink != "" || len(s.plan.Items) != 0 {
		t.Errorf("submission = %+v, plan %+v", s, s.plan.Items)
	}
	if s.driverCommand() != nil {
		t.Errorf("driverCommand = %q, want nil", s.driverCommand())
	}
	if got := s.executorCommand(); !reflect.DeepEqual(got, opts.ExecutorCommand) {
		t.Errorf("executorCommand = %q", got)
	}
}

func TestPrepareExecutorCommandWithApp(t *testing.T) {
	utRequireLinux(t)
	dir := t.TempDir()
	app := utFile(t, dir, "drv", 0o755)
	self := utFile(t, dir, "s/spindle", 0o755)
	s, err := Prepare(&Options{App: app, AppArgs: []string{"1"}, ExecutorCommand: []string{"./worker", "--fast"}}, utExecutable(self))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.executorCommand(); !reflect.DeepEqual(got, []string{"./worker", "--fast"}) {
		t.Errorf("executorCommand = %q", got)
	}
	if got := s.driverCommand(); !reflect.DeepEqual(got, []string{"./drv", "1"}) {
		t.Errorf("driverCommand = %q", got)
	}
}

func TestPrepareBinaryOnCluster(t *testing.T) {
	dir := t.TempDir()
	app := utFile(t, dir, "app", 0o755)
	called := false
	s, err := Prepare(&Options{App: app, Binary: "hdfs://ns/tools/spindle"}, func() (string, error) {
		called = true
		return "", errors.New("must not be called")
	})
	if err != nil {
		t.Fatal(err)
	}
	if called || s.Binary != "" {
		t.Errorf("executable called=%v, Binary=%q", called, s.Binary)
	}
	last := s.plan.Items[len(s.plan.Items)-1]
	if last.Name != spec.BinaryLink || last.Location != staging.Cluster {
		t.Errorf("binary item = %+v", last)
	}
}

func TestPrepareErrors(t *testing.T) {
	utRequireLinux(t)
	dir := t.TempDir()
	app := utFile(t, dir, "app", 0o755)
	notExec := utFile(t, dir, "noexec", 0o644)
	self := utFile(t, dir, "self/spindle", 0o755)
	f1 := utFile(t, dir, "a/x.txt", 0o644)
	f2 := utFile(t, dir, "b/x.txt", 0o644)
	spindleFile := utFile(t, dir, "c/spindle", 0o644)
	confFile := utFile(t, dir, "c/__spindle_conf__", 0o644)
	specFile := utFile(t, dir, "c/"+spec.FileName, 0o644)
	appNamedSpindle := utFile(t, dir, "d/spindle", 0o755)

	for _, tc := range []struct {
		name string
		opts *Options
		exe  func() (string, error)
		want []string
	}{
		{"nothing to run", &Options{}, nil, []string{"no program to run", "APP", "--executor-command"}},
		{"APP missing", &Options{App: filepath.Join(dir, "absent")}, nil, []string{"APP", "absent", "no such file"}},
		{"APP not executable", &Options{App: notExec}, nil, []string{"not executable", "chmod +x"}},
		{"APP directory", &Options{App: dir}, nil, []string{"not a regular file"}},
		{"file missing", &Options{App: app, Files: []string{filepath.Join(dir, "nope.txt")}}, nil, []string{"nope.txt", "does not exist"}},
		{"archive missing", &Options{App: app, Archives: []string{filepath.Join(dir, "nope.zip")}}, nil, []string{"nope.zip", "does not exist"}},
		{"jar missing", &Options{App: app, Jars: []string{filepath.Join(dir, "nope.jar")}}, nil, []string{"nope.jar", "does not exist"}},
		{"duplicate link", &Options{App: app, Files: []string{f1, f2}}, nil, []string{`link name "x.txt"`, "#alias"}},
		{"duplicate with APP", &Options{App: app, Files: []string{f1 + "#app"}}, nil, []string{`link name "app"`}},
		{"reserved spindle", &Options{App: app, Files: []string{spindleFile}}, nil, []string{`"spindle" is reserved`, "#alias"}},
		{"reserved conf", &Options{App: app, Files: []string{confFile}}, nil, []string{`"__spindle_conf__" is reserved`}},
		{"reserved spec", &Options{App: app, Files: []string{specFile}}, nil, []string{`"spindle-spec.json" is reserved`}},
		{"reserved via alias", &Options{App: app, Files: []string{f1 + "#__spindle_conf__"}}, nil, []string{"reserved"}},
		{"APP named spindle", &Options{App: appNamedSpindle}, nil, []string{`"spindle" is reserved`}},
		{"no executable", &Options{App: app}, func() (string, error) { return "", errors.New("boom") },
			[]string{"find the spindle binary", "boom", KeyBinary}},
		{"local APP", &Options{App: "local:/opt/bin/app"}, nil, []string{"local: programs are not supported"}},
	} {
		exe := tc.exe
		if exe == nil {
			exe = utExecutable(self)
		}
		s, err := Prepare(tc.opts, exe)
		if err == nil {
			t.Errorf("%s: no error (submission %+v)", tc.name, s)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
	}
}

// utTarGz replaces the file at p with a valid .tar.gz of one file.
func utTarGz(t *testing.T, p string) {
	t.Helper()
	var tarBuf, buf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	tw.WriteHeader(&tar.Header{Name: "bin/tool", Mode: 0o755, Size: 2})
	tw.Write([]byte("x\n"))
	tw.Close()
	gz := gzip.NewWriter(&buf)
	gz.Write(tarBuf.Bytes())
	gz.Close()
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
