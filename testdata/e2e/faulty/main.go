// Command faulty is the application of the fault tests: a driver and
// executors that keep talking to the ApplicationMaster while the test
// restarts daemons under them, and a driver that checks at the end that
// nothing was lost.
//
//	faulty DURATION KEEP
//
// Executors put "exec/<id>" = the current Unix time every second through the
// SDK, ignoring failures (the AM may be away); an executor whose NodeManager
// port (NM_PORT) equals $FAULTY_FAIL_PORT, or any when it is "all", exits 1
// at once instead. With FAULTY_FAIL_PORT=first the failing node is the one
// where the application's first executor starts: the first executor to claim
// the file $FAULTY_FAIL_DIR/<application id> writes its port there, and every
// executor on that port fails (all NodeManagers of the test cluster share
// this machine, so they share the directory). The driver stores "fault/data" and the ids of its first
// executors, prints "faulty: ready", carries on until DURATION after that
// (a driver restarted with a new AM attempt finds its start in the store),
// and then checks: "fault/data" is still there, every running executor
// reported within the last 15 s (it talks to the current AM), and with KEEP=1
// the running executors are exactly the first ones. It prints "faulty: OK
// executors=..." and exits 0, or prints what is wrong and exits 3.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: faulty DURATION KEEP")
		os.Exit(2)
	}
	d, err := time.ParseDuration(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulty:", err)
		os.Exit(2)
	}
	c, err := container.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulty:", err)
		os.Exit(2)
	}
	if c.Env().Role == container.RoleExecutor {
		executor(c)
		return
	}
	if err := driver(c, d, os.Args[2] == "1"); err != nil {
		fmt.Println("faulty: FAILED:", err)
		os.Exit(3)
	}
}

func executor(c *container.Client) {
	if p := failPort(c); p != "" && (p == "all" || p == os.Getenv("NM_PORT")) {
		fmt.Fprintf(os.Stderr, "faulty: executor %s fails on purpose on NodeManager port %s\n", c.Env().ExecutorID, os.Getenv("NM_PORT"))
		os.Exit(1)
	}
	failing := false
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := c.Put(ctx, "exec/"+c.Env().ExecutorID, []byte(strconv.FormatInt(time.Now().Unix(), 10)))
		cancel()
		if err != nil && !failing {
			fmt.Fprintf(os.Stderr, "%s faulty: executor %s cannot reach the AM: %v\n", time.Now().Format("15:04:05"), c.Env().ExecutorID, err)
		} else if err == nil && failing {
			fmt.Fprintf(os.Stderr, "%s faulty: executor %s reaches the AM again\n", time.Now().Format("15:04:05"), c.Env().ExecutorID)
		}
		failing = err != nil
		time.Sleep(time.Second)
	}
}

// failPort returns the NodeManager port whose executors fail ("all": every
// one), resolving FAULTY_FAIL_PORT=first through the claim file.
func failPort(c *container.Client) string {
	p := os.Getenv("FAULTY_FAIL_PORT")
	if p != "first" {
		return p
	}
	claim := filepath.Join(os.Getenv("FAULTY_FAIL_DIR"), c.Env().AppID)
	// Write the port to a file of our own and link it into place: the link
	// either fails or makes a complete file appear at once.
	mine := claim + "." + c.Env().ExecutorID
	if err := os.WriteFile(mine, []byte(os.Getenv("NM_PORT")), 0o644); err == nil {
		_ = os.Link(mine, claim)
		_ = os.Remove(mine)
	}
	b, err := os.ReadFile(claim)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulty: FAULTY_FAIL_PORT=first:", err)
		os.Exit(2)
	}
	return string(b)
}

// call retries fn for up to 5 minutes (the AM may be restarting).
func call(what string, fn func(ctx context.Context) error) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := fn(ctx)
		cancel()
		if err == nil || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			return nil
		}
		time.Sleep(time.Second)
	}
}

func driver(c *container.Client, d time.Duration, keep bool) error {
	var start time.Time
	err := call("read fault/start", func(ctx context.Context) error {
		v, err := c.Get(ctx, "fault/start")
		if errors.Is(err, container.ErrNotFound) {
			return nil
		}
		if err == nil {
			sec, _ := strconv.ParseInt(string(v), 10, 64)
			start = time.Unix(sec, 0)
		}
		return err
	})
	if err != nil {
		return err
	}
	if start.IsZero() {
		if start, err = firstRun(c); err != nil {
			return err
		}
	} else {
		fmt.Printf("faulty: restarted; carrying on from %s\n", start.Format("15:04:05"))
	}
	time.Sleep(time.Until(start.Add(d)))
	return check(c, keep)
}

// firstRun stores the data and the first executors' ids once two run.
func firstRun(c *container.Client) (time.Time, error) {
	var ids []string
	deadline := time.Now().Add(5 * time.Minute)
	for len(ids) < 2 {
		if time.Now().After(deadline) {
			return time.Time{}, errors.New("executors did not start within 5 minutes")
		}
		time.Sleep(time.Second)
		ids = running(c)
	}
	start := time.Now()
	for k, v := range map[string]string{"fault/data": "kept", "fault/ids": strings.Join(ids, ","),
		"fault/start": strconv.FormatInt(start.Unix(), 10)} {
		if err := call("store "+k, func(ctx context.Context) error { return c.Put(ctx, k, []byte(v)) }); err != nil {
			return time.Time{}, err
		}
	}
	fmt.Printf("faulty: ready: executors %s running\n", strings.Join(ids, ","))
	return start, nil
}

// running returns the ids of the running executors, sorted.
func running(c *container.Client) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	execs, err := c.Executors(ctx)
	if err != nil {
		return nil
	}
	var ids []string
	for _, e := range execs {
		if e.State == "running" {
			ids = append(ids, e.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

func check(c *container.Client, keep bool) error {
	var kv map[string][]byte
	if err := call("list the store", func(ctx context.Context) (err error) { kv, err = c.List(ctx, ""); return err }); err != nil {
		return err
	}
	if string(kv["fault/data"]) != "kept" {
		return fmt.Errorf("fault/data is %q, want \"kept\": the key-value store was lost", kv["fault/data"])
	}
	time.Sleep(3 * time.Second)
	ids := running(c)
	if len(ids) < 2 {
		return fmt.Errorf("running executors %v, want 2", ids)
	}
	if keep && strings.Join(ids, ",") != string(kv["fault/ids"]) {
		return fmt.Errorf("running executors %v, want the first ones %s: executors were lost", ids, kv["fault/ids"])
	}
	if err := call("list the store", func(ctx context.Context) (err error) { kv, err = c.List(ctx, "exec/"); return err }); err != nil {
		return err
	}
	for _, id := range ids {
		sec, _ := strconv.ParseInt(string(kv["exec/"+id]), 10, 64)
		if age := time.Since(time.Unix(sec, 0)); age > 15*time.Second {
			return fmt.Errorf("executor %s last reached the AM %s ago", id, age.Round(time.Second))
		}
	}
	fmt.Printf("faulty: OK executors=%s\n", strings.Join(ids, ","))
	return nil
}
