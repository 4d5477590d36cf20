// Command taskqueue runs N tasks over a pool of executors through the
// ApplicationMaster's work queue: the driver enqueues the tasks and seals the
// queue; every executor leases a task, works on it (here: sleeps, then
// squares the task's number), completes it with a result, and leases the
// next until the queue is finished or the AM releases the executor; the
// driver waits for all tasks and prints a summary.
//
// Build it statically and submit it, with dynamic allocation if you like:
//
//	CGO_ENABLED=0 go build -o taskqueue ./examples/taskqueue
//	spindle submit --master yarn --deploy-mode cluster \
//	    --conf spindle.dynamicAllocation.enabled=true \
//	    --conf spindle.dynamicAllocation.maxExecutors=6 \
//	    ./taskqueue -tasks 200 -work 200ms
//
// The same binary is the driver (SPINDLE_ROLE=driver) and the executors.
// Flags: -tasks N (default 100), -work D (each task's duration, default
// 100ms), -fail ID (task ID always fails), -linger D (the driver stays up
// this long after the last task, so that idle executors can be released).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// config is what the flags say; the driver and the executors get the same.
type config struct {
	tasks  int
	work   time.Duration
	fail   int64
	linger time.Duration
}

func main() {
	var cfg config
	flag.IntVar(&cfg.tasks, "tasks", 100, "number of tasks the driver enqueues")
	flag.DurationVar(&cfg.work, "work", 100*time.Millisecond, "how long each task works")
	flag.Int64Var(&cfg.fail, "fail", 0, "id of a task that always fails (0: none)")
	flag.DurationVar(&cfg.linger, "linger", 0, "how long the driver stays up after the last task")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "taskqueue:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	c, err := container.FromEnv()
	if err != nil {
		return err
	}
	if c.Env().Role == container.RoleExecutor {
		return executor(ctx, c, cfg)
	}
	return driver(ctx, c, cfg)
}

// driver enqueues the tasks, seals the queue, waits and reports.
func driver(ctx context.Context, c *container.Client, cfg config) error {
	if cfg.tasks < 1 {
		return fmt.Errorf("-tasks %d: want at least 1", cfg.tasks)
	}
	batch := make([]container.TaskInput, cfg.tasks)
	for i := range batch {
		batch[i] = container.TaskInput{Key: "n" + strconv.Itoa(i+1), Body: strconv.Itoa(i + 1)}
	}
	start := time.Now()
	if _, err := c.EnqueueBatch(ctx, batch); err != nil {
		return err
	}
	if _, err := c.Seal(ctx); err != nil {
		return err
	}
	counts, err := c.WaitAll(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("%d tasks in %v: %d done, %d failed\n", counts.Total, time.Since(start).Round(time.Millisecond), counts.Done, counts.Failed)
	failed, err := summarize(ctx, c)
	if err != nil {
		return err
	}
	if cfg.linger > 0 {
		time.Sleep(cfg.linger)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d tasks failed: %s", len(failed), strings.Join(failed, "; "))
	}
	return nil
}

// summarize prints how many tasks each executor completed and returns the
// failed tasks, described.
func summarize(ctx context.Context, c *container.Client) ([]string, error) {
	perExecutor := map[string]int{}
	retried := 0
	var failed []string
	for after := int64(0); ; {
		page, err := c.Tasks(ctx, "", after)
		if err != nil {
			return nil, err
		}
		for _, t := range page.Tasks {
			switch t.State {
			case container.TaskDone:
				perExecutor[t.Executor]++
			case container.TaskFailed:
				failed = append(failed, fmt.Sprintf("task %d (%s) after %d attempts: %s", t.ID, t.Key, t.Attempts, t.LastError))
			}
			if t.Attempts > 1 {
				retried++
			}
		}
		if after = page.Next; after == 0 {
			break
		}
	}
	ids := make([]string, 0, len(perExecutor))
	for id := range perExecutor {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Printf("executor %s completed %d tasks\n", id, perExecutor[id])
	}
	fmt.Printf("%d tasks needed more than one attempt\n", retried)
	return failed, nil
}

// executor leases and works on tasks until there are none for it.
func executor(ctx context.Context, c *container.Client, cfg config) error {
	id := c.Env().ExecutorID
	for n := 0; ; n++ {
		l, err := c.Lease(ctx, 30*time.Second)
		switch {
		case errors.Is(err, container.ErrStopRequested):
			fmt.Printf("executor %s: released after %d tasks\n", id, n)
			return nil
		case errors.Is(err, container.ErrNoMoreTasks):
			fmt.Printf("executor %s: no more tasks after %d tasks\n", id, n)
			return nil
		case err != nil:
			return err
		}
		if err := work(ctx, c, cfg, l); err != nil {
			return err
		}
	}
}

// work does one task: it records the attempt in the key-value store (so the
// driver can see re-runs), works, and completes or fails the task.
func work(ctx context.Context, c *container.Client, cfg config, l container.TaskLease) error {
	mark := fmt.Sprintf("taskqueue/ran/%d/%d", l.TaskID, l.Attempt)
	if err := c.Put(ctx, mark, []byte(c.Env().ExecutorID)); err != nil {
		return err
	}
	time.Sleep(cfg.work)
	if l.TaskID == cfg.fail {
		return c.Fail(ctx, l.TaskID, fmt.Sprintf("task %d always fails (-fail %d)", l.TaskID, cfg.fail))
	}
	n, err := strconv.ParseInt(string(l.Body), 10, 64)
	if err != nil {
		return c.Fail(ctx, l.TaskID, fmt.Sprintf("body %q is not a number", l.Body))
	}
	result := fmt.Sprintf("%d squared is %d (executor %s, attempt %d)", n, n*n, c.Env().ExecutorID, l.Attempt)
	return c.Complete(ctx, l.TaskID, []byte(result))
}
