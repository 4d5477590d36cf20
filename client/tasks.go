package client

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/spindle-yarn/spindle/am/dynalloc"
	"github.com/spindle-yarn/spindle/am/workqueue"
	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// resolveTasks reads the job array's tasks file and the dynamic allocation
// keys. With dynamic allocation on, the executors start at its initial
// number (or --num-executors, when given and larger, as in Spark).
func (r *resolver) resolveTasks(o *Options) {
	o.Tasks = r.get(KeyTasks)
	if o.Tasks != "" {
		switch {
		case o.App != "":
			r.bad("tasks", KeyTasks, "a job array has no driver: give --executor-command CMD instead of APP %q", o.App)
		case len(o.ExecutorCommand) == 0:
			r.bad("tasks", KeyTasks, "give --executor-command CMD: the command each task runs")
		}
	}
	da := map[string]string{}
	for k, v := range r.conf {
		if strings.HasPrefix(k, dynalloc.KeyPrefix) {
			da[k] = v
		}
	}
	if len(da) == 0 {
		return
	}
	cfg, enabled, err := dynalloc.ParseConfig(da)
	if err != nil {
		r.bad("conf", dynalloc.KeyPrefix+"*", "%v", err)
		return
	}
	o.DynamicAllocation = da
	if enabled {
		initial := cfg.InitialExecutors
		if _, explicit := r.conf[KeyNumExecutors]; explicit {
			initial = min(max(initial, o.NumExecutors), cfg.MaxExecutors)
		}
		o.NumExecutors = initial
	}
}

// checkTasksFile checks a job array's tasks file against the AM queue's
// limits, so that a submission that cannot run fails here: it must hold at
// least one non-blank line, no line may exceed the body limit, and the
// tasks must fit the queue.
func checkTasksFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--tasks %q: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), workqueue.DefaultMaxBodyBytes+2)
	var n, line int
	var size int64
	for sc.Scan() {
		line++
		b := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if len(b) > workqueue.DefaultMaxBodyBytes {
			return tooLong(path, line)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		n++
		size += int64(len(b))
	}
	switch err := sc.Err(); {
	case err == bufio.ErrTooLong:
		return tooLong(path, line+1)
	case err != nil:
		return fmt.Errorf("--tasks %q: %w", path, err)
	case n == 0:
		return fmt.Errorf("--tasks %q has no tasks: give one task per line", path)
	case n > workqueue.DefaultMaxTasks:
		return fmt.Errorf("--tasks %q has %d tasks, the limit is %d: split it into several applications", path, n, workqueue.DefaultMaxTasks)
	case size > workqueue.DefaultMaxBytes:
		return fmt.Errorf("--tasks %q holds %d bytes of tasks, the limit is %d: split it", path, size, workqueue.DefaultMaxBytes)
	}
	return nil
}

// stageTasks uploads a job array's tasks file for the AM's container only
// and returns its resource (none without --tasks).
func stageTasks(ctx context.Context, fsys staging.FS, dir string, sub *Submission, app *Application) ([]spec.Resource, error) {
	if sub.Opts.Tasks == "" {
		return nil, nil
	}
	b, err := os.ReadFile(sub.Opts.Tasks)
	if err != nil {
		return nil, fmt.Errorf("--tasks %q: %w", sub.Opts.Tasks, err)
	}
	res, err := putBytes(ctx, fsys, path.Join(dir, spec.TasksLink), spec.TasksLink, b, staging.FilePerm, spec.VisibilityApplication)
	if err != nil {
		return nil, err
	}
	app.Staged = append(app.Staged, StagedFile{Name: spec.TasksLink, Source: sub.Opts.Tasks, URL: res.URL,
		Outcome: staging.Uploaded.String(), Bytes: int64(len(b)), Size: int64(len(b))})
	return []spec.Resource{res}, nil
}

// dynamicEnabled reports whether the options turn dynamic allocation on.
func dynamicEnabled(o *Options) bool {
	_, enabled, err := dynalloc.ParseConfig(o.DynamicAllocation)
	return err == nil && enabled
}

// tooLong is the error for a line of the tasks file beyond the body limit.
func tooLong(path string, line int) error {
	return fmt.Errorf("--tasks %q: line %d is longer than %d bytes, the limit of a task: pass big inputs as files and their names as tasks", path, line, workqueue.DefaultMaxBodyBytes)
}
