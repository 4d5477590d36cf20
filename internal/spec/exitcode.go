package spec

import (
	"fmt"
	"regexp"
	"strconv"
)

// The AM of a cluster-mode application ends its final diagnostics (which YARN
// keeps in the application's report) with the driver's exit code in this
// form, "[driver exit code N]", so that the client can exit with it.
const driverExitFormat = "[driver exit code %d]"

var driverExitRE = regexp.MustCompile(`\[driver exit code (-?\d+)\]`)

// DriverExitMarker is the text that publishes the driver's exit code.
func DriverExitMarker(code int) string { return fmt.Sprintf(driverExitFormat, code) }

// ParseDriverExit finds the driver's exit code in an application's
// diagnostics (the last marker wins); ok is false when there is none.
func ParseDriverExit(diagnostics string) (code int, ok bool) {
	m := driverExitRE.FindAllStringSubmatch(diagnostics, -1)
	if len(m) == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(m[len(m)-1][1])
	return n, err == nil
}
