// Command sleeper is a Spindle driver (or executor) for the end-to-end tests
// that does nothing for a while: `sleeper [DURATION]` (default 5m) prints
// "sleeper: sleeping" and sleeps, so a test can interrupt or kill what runs it.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	d := 5 * time.Minute
	if len(os.Args) > 1 {
		v, err := time.ParseDuration(os.Args[1])
		if err != nil || v <= 0 {
			fmt.Fprintf(os.Stderr, "sleeper: duration %q: want a positive duration such as 90s\n", os.Args[1])
			os.Exit(2)
		}
		d = v
	}
	fmt.Printf("sleeper: %s sleeping for %s as %s (pid %d)\n", os.Getenv("SPINDLE_APP_ID"), d, os.Getenv("SPINDLE_ROLE"), os.Getpid())
	time.Sleep(d)
	fmt.Println("sleeper: done")
}
