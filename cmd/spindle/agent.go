package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/container/agent"
)

// cmdAgent is what every executor of `spindle shell` runs (`spindle executor --
// ./spindle agent` in YARN): it runs the session's commands in the executor's
// working directory until the application ends or it gets SIGTERM.
func cmdAgent(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q: spindle agent takes none (spindle shell starts it in every executor)", args[0])
	}
	cenv, err := container.CurrentEnv()
	if err != nil {
		return fmt.Errorf("spindle agent runs in the executors of spindle shell: %w", err)
	}
	if cenv.Role != container.RoleExecutor {
		return errors.New("spindle agent runs in the executors of spindle shell, not as the driver")
	}
	sdk, err := container.Connect(cenv)
	if err != nil {
		return err
	}
	host := env.getenv("NM_HOST")
	if host == "" {
		if host, err = os.Hostname(); err != nil {
			host = "localhost"
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("find the working directory: %w", err)
	}
	sh := &agent.Shell{Dir: dir}
	// When the container is stopped, YARN gives it a moment before SIGKILL: kill
	// what commands left in the background first, as the container's end would not.
	stopped := make(chan struct{})
	go func() {
		<-ctx.Done()
		sh.KillLeftovers()
		close(stopped)
	}()
	err = agent.Run(ctx, sdk, agent.Config{ExecutorID: cenv.ExecutorID, Host: host, Runner: sh.Run, Log: env.log})
	if ctx.Err() != nil {
		<-stopped
	}
	if n := sh.KillLeftovers(); n > 0 {
		env.log.Infof("killed %d process groups that commands left running", n)
	}
	return err
}
