// Command chatty is a Spindle driver for the end-to-end tests of live
// output: it prints "chatty: line N" to stdout every INTERVAL, COUNT
// times, then writes a few lines to stderr and exits with EXIT.
//
//	chatty COUNT INTERVAL EXIT
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: chatty COUNT INTERVAL EXIT")
		os.Exit(2)
	}
	count, err1 := strconv.Atoi(os.Args[1])
	interval, err2 := time.ParseDuration(os.Args[2])
	code, err3 := strconv.Atoi(os.Args[3])
	if err1 != nil || err2 != nil || err3 != nil {
		fmt.Fprintln(os.Stderr, "chatty: bad arguments:", os.Args[1:])
		os.Exit(2)
	}
	for i := 1; i <= count; i++ {
		fmt.Printf("chatty: line %d of %d\n", i, count)
		time.Sleep(interval)
	}
	if code != 0 {
		fmt.Fprintln(os.Stderr, "chatty: loading input: open /data/input.csv: no such file or directory")
		fmt.Fprintf(os.Stderr, "chatty: giving up, exiting with code %d\n", code)
	}
	os.Exit(code)
}
