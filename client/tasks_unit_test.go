package client

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveTasksAndDynamicAllocation(t *testing.T) {
	base := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	o, err := ResolveOptions(base(KeyTasks, "t.txt", KeyExecutorCommand, "./work.sh",
		"spindle.dynamicAllocation.enabled", "true", "spindle.dynamicAllocation.initialExecutors", "2",
		"spindle.dynamicAllocation.maxExecutors", "6"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Tasks != "t.txt" || o.NumExecutors != 2 || o.DynamicAllocation["spindle.dynamicAllocation.maxExecutors"] != "6" {
		t.Errorf("options = tasks %q, executors %d, dynamic %v", o.Tasks, o.NumExecutors, o.DynamicAllocation)
	}
	o, err = ResolveOptions(base(KeyNumExecutors, "4", "spindle.dynamicAllocation.enabled", "true",
		"spindle.dynamicAllocation.maxExecutors", "3"), "app", nil)
	if err != nil || o.NumExecutors != 3 {
		t.Errorf("explicit --num-executors 4 with maxExecutors 3: %d executors, %v; want 3", o.NumExecutors, err)
	}
	for _, tc := range []struct {
		conf map[string]string
		app  string
		want string
	}{
		{base(KeyTasks, "t.txt"), "", "give --executor-command"},
		{base(KeyTasks, "t.txt", KeyExecutorCommand, "x"), "app", "has no driver"},
		{base("spindle.dynamicAllocation.minExecutors", "5", "spindle.dynamicAllocation.maxExecutors", "2"), "app", "larger than"},
		{base("spindle.dynamicAllocation.executorIdleTimeout", "soon"), "app", "not a duration"},
	} {
		if _, err := ResolveOptions(tc.conf, tc.app, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ResolveOptions(%v, %q) = %v, want an error with %q", tc.conf, tc.app, err, tc.want)
		}
	}
}

func TestCheckTasksFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := checkTasksFile(write("ok", "a\n\nb\r\n")); err != nil {
		t.Errorf("good file: %v", err)
	}
	for _, tc := range []struct{ path, want string }{
		{write("blank", "\n  \n"), "has no tasks"},
		{write("long", "a\n"+strings.Repeat("x", 1<<20+1)+"\n"), "line 2 is longer"},
		{filepath.Join(dir, "missing"), "no such file"},
	} {
		if err := checkTasksFile(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("checkTasksFile(%s) = %v, want %q", filepath.Base(tc.path), err, tc.want)
		}
	}
}
