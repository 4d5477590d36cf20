package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/spindle-yarn/spindle/am"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/internal/proc"
)

// localExecutors returns the number of executors of a local master: local is 1,
// local[N] is N and local[*] is the number of CPUs.
func localExecutors(master string) (int, error) {
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

// runLocal runs the driver here and the executors as local processes, with the AM
// API served in this process. No Hadoop is needed.
func runLocal(ctx context.Context, env *cliEnv, opts *client.Options) error {
	n, err := localExecutors(opts.Master)
	if err != nil {
		return err
	}
	if opts.App == "" {
		return fmt.Errorf("no program to run: give APP, the path to the driver program")
	}
	app, err := filepath.Abs(opts.App)
	if err != nil {
		return err
	}
	if st, err := os.Stat(app); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("APP %q does not exist or is not a regular file (give the path to the driver program)", opts.App)
	}
	execCmd := opts.ExecutorCommand
	if len(execCmd) == 0 {
		execCmd = append([]string{app}, opts.AppArgs...)
	}
	fmt.Fprintf(env.stderr, "spindle: running locally (--master %s): the driver and %d executors as processes on this machine; use --master yarn with HADOOP_CONF_DIR for a cluster\n", opts.Master, n)
	files := append(append([]string{}, opts.Files...), opts.Jars...)
	lc, err := am.StartLocal(ctx, am.LocalOptions{Name: filepath.Base(app), Executors: n, ExecutorCommand: execCmd,
		Env: opts.Env, Files: files, Archives: opts.Archives, MaxExecutorFailures: opts.MaxExecutorFailures,
		Output: env.stderr, Log: env.log})
	if err != nil {
		return err
	}
	code, diag := runLocalDriver(ctx, lc, app, opts, env)
	lc.Finish(code, diag)
	if err := lc.Wait(); err != nil {
		env.log.Errorf("local application failed: %v", err)
		if code == 0 {
			code = 1
		}
	}
	if code != 0 {
		return exitError{code: code}
	}
	return nil
}

// runLocalDriver runs the driver until it exits or the application ends without it
// (executor failures beyond the budget).
func runLocalDriver(ctx context.Context, lc *am.Local, app string, opts *client.Options, env *cliEnv) (int, string) {
	denv := lc.DriverEnv()
	cmd := exec.Command(app, opts.AppArgs...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, env.stdout, env.stderr
	cmd.Env = proc.Environ(os.Environ(), opts.Env, denv.Vars())
	if err := cmd.Start(); err != nil {
		return 1, fmt.Sprintf("start the driver: %v", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		exit := proc.ExitOf(err)
		return exit.Code, exit.Describe("the driver")
	case <-lc.Done():
		_ = cmd.Process.Kill()
		<-waited
		return 1, lc.Diagnostics()
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-waited
		return 130, "interrupted"
	}
}
