package agent

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
)

// Main is what every executor of `spindle shell` runs (`spindle agent`): it
// runs the session's commands in the executor's working directory until the
// application ends or ctx ends (SIGTERM from YARN). getenv reads the
// environment (NM_HOST names the host).
func Main(ctx context.Context, log *logrus.Logger, getenv func(string) string) error {
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
	host := getenv("NM_HOST")
	if host == "" {
		if host, err = os.Hostname(); err != nil {
			host = "localhost"
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("find the working directory: %w", err)
	}
	sh := &Shell{Dir: dir}
	// When the container is stopped, YARN gives it a moment before SIGKILL: kill
	// what commands left in the background first, as the container's end would not.
	stopped := make(chan struct{})
	go func() {
		<-ctx.Done()
		sh.KillLeftovers()
		close(stopped)
	}()
	err = Run(ctx, sdk, Config{ExecutorID: cenv.ExecutorID, Host: host, Runner: sh.Run, Log: log})
	if ctx.Err() != nil {
		<-stopped
	}
	if n := sh.KillLeftovers(); n > 0 {
		log.Infof("killed %d process groups that commands left running", n)
	}
	return err
}
