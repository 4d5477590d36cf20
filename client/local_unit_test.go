package client

import (
	"runtime"
	"testing"
)

func TestLocalExecutors(t *testing.T) {
	for master, want := range map[string]int{"local": 1, "local[0]": 0, "local[3]": 3, "local[*]": runtime.NumCPU()} {
		if got, err := LocalExecutors(master); err != nil || got != want {
			t.Errorf("LocalExecutors(%q) = %d, %v; want %d", master, got, err, want)
		}
	}
	for _, bad := range []string{"local[", "local[-1]", "local[x]", "local[2", "locally", "local[]"} {
		if _, err := LocalExecutors(bad); err == nil {
			t.Errorf("LocalExecutors(%q): no error", bad)
		}
	}
	for m, want := range map[string]bool{"local": true, "local[2]": true, "yarn": false, "localhost": false} {
		if IsLocalMaster(m) != want {
			t.Errorf("IsLocalMaster(%q) != %v", m, want)
		}
	}
}
