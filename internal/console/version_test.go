package console

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestVersionLine(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	bi := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Path: "github.com/spindle-yarn/spindle", Version: "v1.2.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-12-01T16:00:00Z"}}}
	for _, tc := range []struct {
		bi      *debug.BuildInfo
		ldflags string
		want    string
	}{
		{bi, "dev", "spindle v1.2.0 (revision 0123456789ab, modified, 2026-12-01T16:00:00Z; go1.99.1 " + platform + ")"},
		{bi, "v1.3.0-rc1", "spindle v1.2.0 (built as v1.3.0-rc1, revision 0123456789ab, modified, 2026-12-01T16:00:00Z; go1.99.1 " + platform + ")"},
		{&debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "(devel)"}}, "dev", "spindle dev (go1.99.1 " + platform + ")"},
		{&debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "(devel)"}}, "", "spindle (devel) (go1.99.1 " + platform + ")"},
		{nil, "e2e-1", "spindle e2e-1 (" + runtime.Version() + " " + platform + ")"},
	} {
		if got := VersionLine(tc.bi, tc.ldflags); got != tc.want {
			t.Errorf("VersionLine(%v, %q) =\n %q, want\n %q", tc.bi != nil, tc.ldflags, got, tc.want)
		}
	}
}
