package console

import (
	"testing"
)

func TestShellHistoryFile(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvShellHistory {
				return v
			}
			return ""
		}
	}
	if got := ShellHistoryFile(env("none")); got != "" {
		t.Errorf("none: %q", got)
	}
	if got := ShellHistoryFile(env("/some/file")); got != "/some/file" {
		t.Errorf("set: %q", got)
	}
	t.Setenv("HOME", "/home/alice")
	if got := ShellHistoryFile(env("")); got != "/home/alice/.spindle_shell_history" {
		t.Errorf("default: %q", got)
	}
}
