package am

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/proc"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// LaunchExecutor is the executor launcher, what a YARN executor container
// runs: `spindle executor --launch spindle-executor.json`
// (spec.ExecutorCommand). It reads the executor's command, arguments and
// environment from the launch file (never from a command line YARN's launch
// script would expand), links the node-local files and puts the executors'
// secret from the container's credentials into SPINDLE_SECRET. Then:
//   - in a job array (spec.Launch.Tasks) it runs the command once per task it
//     leases (TaskLauncher);
//   - when the container names the AM's address file (spec.EnvAMAddressFile)
//     it supervises the command itself (proc.Supervise) and serves the AM
//     API to it through a local proxy that follows the AM across attempts
//     (runProxied);
//   - otherwise it runs the command supervised (proc.Supervise): what the
//     command starts ends with it.
//
// Through the proxy, and in a job array, it also sends the container's
// stdout and stderr log files to the AM while somebody follows them
// (startLogPusher).
//
// supervisor is the spindle binary that runs each task of a job array under
// `spindle supervise`, so that whatever a task starts (even in a session of
// its own) ends with it.
// A command that exits non-zero comes back as an *ExitCodeError.
func LaunchExecutor(ctx context.Context, args []string, supervisor string) error {
	if len(args) > 0 && args[0] == "--tasks" {
		return launchLocalTasks(ctx, args[1:], supervisor)
	}
	if len(args) != 2 || args[0] != "--launch" {
		return fmt.Errorf("usage: spindle executor --launch %s", spec.ExecutorFileName)
	}
	l, err := spec.ReadLaunch(args[1])
	if err != nil {
		return err
	}
	if len(l.Command) == 0 {
		return errors.New("the executor launch file names no command")
	}
	if err := prepareExecutorEnv(l.NodeLocal); err != nil {
		return err
	}
	env := spec.LauncherEnv(os.Environ(), l.Env)
	stopRefresh := keepCredentialsFresh(ctx)
	defer stopRefresh()
	if l.Tasks {
		c, err := container.FromEnv()
		if err != nil {
			return err
		}
		tl := &TaskLauncher{Client: c, Command: l.Command, Env: env, Supervisor: supervisor, Stdout: os.Stdout, Stderr: os.Stderr}
		stopLogs := startLogPusher(ctx, c, launcherLogf)
		defer stopLogs()
		return tl.Run(ctx)
	}
	path, err := exec.LookPath(l.Command[0])
	if err != nil {
		return fmt.Errorf("executor command %q: %w", l.Command[0], err)
	}
	if f := os.Getenv(spec.EnvAMAddressFile); f != "" && os.Getenv(container.EnvAMURL) != "" {
		return runProxied(ctx, append([]string{path}, l.Command[1:]...), env, f)
	}
	exit := proc.Supervise(proc.Supervised{Command: append([]string{path}, l.Command[1:]...), Env: env, Grace: proc.StopGrace})
	if exit.Err != nil {
		return fmt.Errorf("run the executor command %q: %w", l.Command[0], exit.Err)
	}
	if exit.Code != 0 {
		return &ExitCodeError{Code: exit.Code}
	}
	return nil
}

// launchLocalTasks is a local-mode job array's executor: `spindle executor
// --tasks -- CMD ARGS...`, started without a shell by the local AM.
func launchLocalTasks(ctx context.Context, args []string, supervisor string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("usage: spindle executor --tasks -- COMMAND [ARGS]")
	}
	if err := prepareExecutorEnv(nil); err != nil {
		return err
	}
	c, err := container.FromEnv()
	if err != nil {
		return err
	}
	tl := &TaskLauncher{Client: c, Command: args, Env: os.Environ(), Supervisor: supervisor, Stdout: os.Stdout, Stderr: os.Stderr}
	return tl.Run(ctx)
}

// prepareExecutorEnv links the node-local files and puts the executors'
// secret from the container's credentials into SPINDLE_SECRET unless it is
// set already (local mode).
func prepareExecutorEnv(nodeLocal []spec.Link) error {
	if err := spec.LinkNodeLocal(".", nodeLocal); err != nil {
		return err
	}
	if os.Getenv(container.EnvSecret) != "" {
		return nil
	}
	secret, err := creds.ContainerSecret(spec.ExecutorSecretAlias)
	if err != nil {
		return err
	}
	if err := os.Setenv(container.EnvSecret, secret); err != nil {
		return fmt.Errorf("set %s: %w", container.EnvSecret, err)
	}
	return nil
}
