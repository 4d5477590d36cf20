// Command probe is a Spindle driver and executor for the end-to-end exactness
// tests: every process reports what it received (its arguments, the environment
// variables whose names start with PROBE_, and the names and contents of the
// regular files and directories linked into its working directory).
//
// Executors put their report into the AM's key-value store under probe/ID and
// exit 0. The driver prints its own report and then those of the first
// PROBE_EXECUTORS executors (default 1), one per line as "PROBE {json}", and
// exits 0; it exits 1 when they do not all report within three minutes.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// report is what one process received.
type report struct {
	Role     string            `json:"role"`
	Executor string            `json:"executor,omitempty"`
	Args     []string          `json:"args"`
	Env      map[string]string `json:"env"`
	// Links maps a name in the working directory to its content: a file's
	// bytes, or for a directory the sorted names it holds, joined by "\n".
	Links map[string]string `json:"links"`
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	c, err := container.FromEnv()
	if err != nil {
		return err
	}
	env := c.Env()
	r := report{Role: env.Role, Executor: env.ExecutorID, Args: os.Args[1:], Env: probeEnv(), Links: links()}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if env.Role == container.RoleExecutor {
		return c.Put(ctx, "probe/"+env.ExecutorID, b)
	}
	fmt.Printf("PROBE %s\n", b)
	return printExecutors(ctx, c)
}

// printExecutors waits for PROBE_EXECUTORS executor reports and prints them.
func printExecutors(ctx context.Context, c *container.Client) error {
	want := 1
	if s := os.Getenv("PROBE_EXECUTORS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("PROBE_EXECUTORS=%q: want a number", s)
		}
		want = n
	}
	for {
		m, err := c.List(ctx, "probe/")
		if err == nil && len(m) >= want {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Printf("PROBE %s\n", m[k])
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d executor reports (have %d, last error %v): %w", want, len(m), err, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// probeEnv returns the environment variables whose names start with PROBE_.
func probeEnv() map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "PROBE_") && k != "PROBE_EXECUTORS" {
			m[k] = v
		}
	}
	return m
}

// links returns what the working directory holds under names starting with
// "p" (the test's link names all do; YARN's own files do not).
func links() map[string]string {
	m := map[string]string{}
	entries, err := os.ReadDir(".")
	if err != nil {
		return m
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "p") || name == "probe" {
			continue
		}
		st, err := os.Stat(name)
		if err != nil {
			continue
		}
		if st.IsDir() {
			sub, _ := os.ReadDir(name)
			var names []string
			for _, s := range sub {
				names = append(names, s.Name())
			}
			sort.Strings(names)
			m[name] = strings.Join(names, "\n")
			continue
		}
		if b, err := os.ReadFile(name); err == nil {
			m[name] = string(b)
		}
	}
	return m
}
