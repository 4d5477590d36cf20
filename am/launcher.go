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
// runs: `spindle executor -- CMD ARGS...` (spec.ExecutorCommand). It links the
// node-local files and puts the executors' secret from the container's
// credentials into SPINDLE_SECRET. When the container names the AM's address
// file (spec.EnvAMAddressFile) it stays as CMD's parent and serves the AM API
// to it through a local proxy that follows the AM across attempts
// (runProxied; CMD's exit code comes back as an *ExitCodeError); otherwise it
// replaces itself with CMD, so that signals and the exit status are CMD's
// own, and returns only on failure.
func LaunchExecutor(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("usage: spindle executor -- COMMAND [ARGS]")
	}
	if err := prepareExecutorEnv(); err != nil {
		return err
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return fmt.Errorf("executor command %q: %w", args[0], err)
	}
	if f := os.Getenv(spec.EnvAMAddressFile); f != "" && os.Getenv(container.EnvAMURL) != "" {
		return runProxied(ctx, path, args, f)
	}
	if err := proc.Exec(path, args, os.Environ()); err != nil {
		return fmt.Errorf("run executor command %q: %w", path, err)
	}
	return nil
}

// LaunchTaskExecutor is the executor launcher of a job array: `spindle
// executor --tasks -- CMD ARGS...`. Like LaunchExecutor it links the
// node-local files and sets SPINDLE_SECRET, then runs CMD once per task it
// leases (see TaskLauncher) until the queue is finished or the AM asks the
// executor to stop.
func LaunchTaskExecutor(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("usage: spindle executor --tasks -- COMMAND [ARGS]")
	}
	if err := prepareExecutorEnv(); err != nil {
		return err
	}
	c, err := container.FromEnv()
	if err != nil {
		return err
	}
	tl := &TaskLauncher{Client: c, Command: args, Stdout: os.Stdout, Stderr: os.Stderr}
	return tl.Run(ctx)
}

// prepareExecutorEnv links the node-local files and puts the executors'
// secret from the container's credentials into SPINDLE_SECRET unless it is
// set already (local mode).
func prepareExecutorEnv() error {
	if err := spec.LinkNodeLocal(".", os.Getenv(spec.EnvNodeLocalLinks)); err != nil {
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
