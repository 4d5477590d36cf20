package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/am"
)

// IsLocalMaster reports whether master is local, local[N] or local[*].
func IsLocalMaster(master string) bool {
	return master == "local" || strings.HasPrefix(master, "local[")
}

// LocalExecutors returns the number of executors of a local master: local is 1,
// local[N] is N and local[*] is the number of CPUs.
func LocalExecutors(master string) (int, error) {
	if master == "local" {
		return 1, nil
	}
	inner, ok := strings.CutPrefix(master, "local[")
	inner, ok2 := strings.CutSuffix(inner, "]")
	if !ok || !ok2 {
		return 0, fmt.Errorf("--master %q: use local, local[N] or local[*]", master)
	}
	if inner == "*" {
		return runtime.NumCPU(), nil
	}
	n, err := strconv.Atoi(inner)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("--master %q: N in local[N] must be a whole number >= 0", master)
	}
	return n, nil
}

// runLocal runs the application without a cluster: the AM API in this process,
// the executors as local processes, and the driver here through the same
// runner as in client mode.
func runLocal(ctx context.Context, opts *Options, cfg RunConfig) (*Outcome, error) {
	n, err := LocalExecutors(opts.Master)
	if err != nil {
		return nil, err
	}
	if opts.DynamicAllocation != nil && dynamicEnabled(opts) {
		n = opts.NumExecutors
	}
	execCmd, err := localCommands(opts, cfg)
	if err != nil {
		return nil, err
	}
	files := append(append([]string{}, opts.Files...), opts.Jars...)
	lc, err := am.StartLocal(ctx, am.LocalOptions{Name: appName(opts), Executors: n, ExecutorCommand: execCmd,
		Env: opts.Env, Files: files, Archives: opts.Archives, MaxExecutorFailures: opts.MaxExecutorFailures,
		Output: cfg.ExecutorOutput, Log: cfg.Log, DynamicAllocation: opts.DynamicAllocation, Tasks: opts.Tasks, Supervisor: cfg.Supervisor})
	if err != nil {
		return nil, err
	}
	if opts.Tasks != "" { // a job array: the local AM runs it, there is no driver
		err = lc.Wait()
		return &Outcome{Interrupted: ctx.Err() != nil, Succeeded: err == nil, Diagnostics: lc.Diagnostics()}, nil
	}
	o := *opts
	o.NumExecutors = n
	res := runDriver(ctx, driverRun{env: lc.DriverEnv(), opts: &o, cfg: cfg, heartbeat: time.Second,
		appDone: lc.Done(), appDiag: lc.Diagnostics,
		finish: func(r DriverResult) error { lc.Finish(r.ExitCode, r.Diagnostics); return nil }})
	err = lc.Wait()
	out := &Outcome{Driver: &res, Interrupted: ctx.Err() != nil, Succeeded: err == nil, Diagnostics: lc.Diagnostics()}
	return out, nil
}

// localCommands checks the driver program of a local application and returns
// what its executors run.
func localCommands(opts *Options, cfg RunConfig) ([]string, error) {
	if cfg.Agent {
		exe, err := cfg.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the spindle binary for the local agents: %w", err)
		}
		return []string{exe, "agent"}, nil
	}
	if cfg.Driver != nil && len(opts.ExecutorCommand) > 0 {
		return opts.ExecutorCommand, nil
	}
	if opts.Tasks != "" {
		if err := checkTasksFile(opts.Tasks); err != nil {
			return nil, err
		}
		exe, err := cfg.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the spindle binary for the local task launchers: %w", err)
		}
		return append([]string{exe, "executor", "--tasks", "--"}, opts.ExecutorCommand...), nil
	}
	if opts.App == "" {
		return nil, errors.New("no program to run: give APP, the path to the driver program")
	}
	app, err := filepath.Abs(opts.App)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(app); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("APP %q does not exist or is not a regular file (give the path to the driver program)", opts.App)
	}
	opts.App = app
	if len(opts.ExecutorCommand) > 0 {
		return opts.ExecutorCommand, nil
	}
	return append([]string{app}, opts.AppArgs...), nil
}
