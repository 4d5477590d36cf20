// Command exit3 is a Spindle driver for the end-to-end tests that fails: it
// prints a line and exits with code 3, so the application must end FAILED
// with a diagnostic naming the exit code.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Printf("exit3: %s running as %s; exiting with code 3\n", os.Getenv("SPINDLE_APP_ID"), os.Getenv("SPINDLE_ROLE"))
	os.Exit(3)
}
