package container_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// A driver publishes the address it listens on under a well-known key and
// each executor waits for it before connecting. The same program runs as
// both; SPINDLE_ROLE tells which it is.
func Example() {
	client, err := container.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // e.g. not started with `spindle submit`
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	switch env := client.Env(); env.Role {
	case container.RoleDriver:
		ln, err := net.Listen("tcp", ":0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
		defer ln.Close()
		host, _ := os.Hostname()
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		if err := client.Put(ctx, "driver/addr", []byte(net.JoinHostPort(host, port))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
		// ... accept connections from executors on ln ...

	case container.RoleExecutor:
		addr, err := client.Wait(ctx, "driver/addr")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
		fmt.Printf("executor %s connecting to the driver at %s\n", env.ExecutorID, addr)
		// ... net.Dial("tcp", string(addr)) ...
	}
}
