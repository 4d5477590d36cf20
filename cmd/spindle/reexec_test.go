package main

import "os"

// init lets the test binary stand in for the spindle binary when the code under
// test re-executes itself as `spindle supervise -- CMD` (client and local mode run
// the driver and local executors that way): without it the test binary would run
// every test again in each re-execution.
func init() {
	if len(os.Args) > 1 && os.Args[1] == "supervise" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
}
