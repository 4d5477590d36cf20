// Command crashy is a Spindle application for the end-to-end tests whose
// executors crash:
//
//	crashy once MARKER   an executor that manages to create MARKER (a path on
//	                     the node) exits 1; the others report a result, so
//	                     exactly one executor crashes in the application
//	crashy always        every executor exits 1
//
// The driver waits (via the Spindle SDK) for one result per wanted executor
// and prints "crashy: N results from executors [IDS]".
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

const resultPrefix = "crashy/result/"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "crashy:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] == "once" && len(args) != 2) || (args[0] != "once" && args[0] != "always") {
		return errors.New("usage: crashy once MARKER | crashy always")
	}
	c, err := container.FromEnv()
	if err != nil {
		return err
	}
	if c.Env().Role == container.RoleExecutor {
		return executor(ctx, c, args)
	}
	return driver(ctx, c)
}

func executor(ctx context.Context, c *container.Client, args []string) error {
	id := c.Env().ExecutorID
	if args[0] == "always" {
		return fmt.Errorf("executor %s crashing on purpose (always)", id)
	}
	f, err := os.OpenFile(args[1], os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	switch {
	case err == nil:
		fmt.Fprintf(f, "executor %s of %s crashed here\n", id, c.Env().AppID)
		f.Close()
		return fmt.Errorf("executor %s crashing on purpose: created the marker %s", id, args[1])
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("executor %s: create the marker: %w", id, err)
	}
	fmt.Printf("crashy: executor %s: the marker exists, reporting a result\n", id)
	return c.Put(ctx, resultPrefix+id, []byte(id))
}

func driver(ctx context.Context, c *container.Client) error {
	app, err := c.App(ctx)
	if err != nil {
		return err
	}
	n := app.TargetExecutors
	if n < 1 {
		return errors.New("crashy needs at least one executor (--num-executors)")
	}
	fmt.Printf("crashy: driver waiting for %d results\n", n)
	for {
		results, err := c.List(ctx, resultPrefix)
		if err != nil {
			return err
		}
		if len(results) >= n {
			var ids []int
			for _, v := range results {
				id, err := strconv.Atoi(string(v))
				if err != nil {
					return fmt.Errorf("bad result %q", v)
				}
				ids = append(ids, id)
			}
			sort.Ints(ids)
			fmt.Printf("crashy: %d results from executors %v\n", len(ids), ids)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
