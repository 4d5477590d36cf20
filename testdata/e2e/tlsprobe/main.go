// Command tlsprobe is a Spindle driver and executor for the end-to-end tests
// of the AM API's transport: `tlsprobe [HOLD]`. Every executor stores
// "probe/<id>" through the API and exits 0; the driver prints the API's URL
// and certificate pin (both public), waits until every executor has checked
// in, prints "tlsprobe: N executors reached the AM", keeps the application
// alive for HOLD (default 30s) so that a test can probe the AM, and exits 0.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "tlsprobe:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	c, err := container.FromEnv()
	if err != nil {
		return err
	}
	env := c.Env()
	if env.Role == container.RoleExecutor {
		return c.Put(ctx, "probe/"+env.ExecutorID, []byte(env.AMURL))
	}
	hold := 30 * time.Second
	if len(os.Args) > 1 {
		if hold, err = time.ParseDuration(os.Args[1]); err != nil {
			return fmt.Errorf("hold %q: %w", os.Args[1], err)
		}
	}
	fmt.Printf("tlsprobe: AM API %s pin %s\n", env.AMURL, env.AMPubKeySHA256)
	app, err := c.App(ctx)
	if err != nil {
		return err
	}
	for {
		got, err := c.List(ctx, "probe/")
		if err != nil {
			return err
		}
		if len(got) >= app.TargetExecutors {
			fmt.Printf("tlsprobe: %d executors reached the AM\n", len(got))
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	time.Sleep(hold)
	return nil
}
