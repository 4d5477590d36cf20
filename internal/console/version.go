package console

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// VersionLine says which spindle this is, from the build information (nil
// when there is none) and the version set with -ldflags:
//
//	spindle v1.2.0 (revision 0123456789ab, modified, 2026-12-01T16:00:00Z; go1.24.2 linux/amd64)
func VersionLine(bi *debug.BuildInfo, ldflagsVersion string) string {
	v, goVersion := "", runtime.Version()
	var details []string
	if bi != nil {
		goVersion = bi.GoVersion
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			details = append(details, "revision "+rev[:min(len(rev), 12)])
		}
		if settings["vcs.modified"] == "true" {
			details = append(details, "modified")
		}
		if t := settings["vcs.time"]; t != "" {
			details = append(details, t)
		}
	}
	switch {
	case v == "" && ldflagsVersion != "":
		v = ldflagsVersion
	case v == "":
		v = "(devel)"
	case ldflagsVersion != "" && ldflagsVersion != "dev" && ldflagsVersion != v:
		details = append([]string{"built as " + ldflagsVersion}, details...)
	}
	platform := goVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
	if len(details) == 0 {
		return fmt.Sprintf("spindle %s (%s)", v, platform)
	}
	return fmt.Sprintf("spindle %s (%s; %s)", v, strings.Join(details, ", "), platform)
}
