package am

import (
	"fmt"
	"os"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/proc"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// LaunchExecutor is the executor launcher, what a YARN executor container
// runs: `spindle executor --launch spindle-executor.json`
// (spec.ExecutorCommand). It reads the executor's command, arguments and
// environment from the launch file, links the node-local files, puts the
// executors' secret from the container's credentials into SPINDLE_SECRET
// and runs the command without a shell, supervised (proc.Supervise): what
// the command starts ends with it, and with the container. It returns how
// the command ended; the caller exits the same way (proc.ExitAs).
func LaunchExecutor(args []string) (proc.Exit, error) {
	if len(args) != 2 || args[0] != "--launch" {
		return proc.Exit{}, fmt.Errorf("usage: spindle executor --launch %s", spec.ExecutorFileName)
	}
	l, err := spec.ReadLaunch(args[1])
	if err != nil {
		return proc.Exit{}, err
	}
	if err := spec.LinkNodeLocal(".", l.NodeLocal); err != nil {
		return proc.Exit{}, err
	}
	if os.Getenv(container.EnvSecret) == "" {
		secret, err := creds.ContainerSecret(spec.ExecutorSecretAlias)
		if err != nil {
			return proc.Exit{}, err
		}
		if err := os.Setenv(container.EnvSecret, secret); err != nil {
			return proc.Exit{}, fmt.Errorf("set %s: %w", container.EnvSecret, err)
		}
	}
	exit := proc.Supervise(proc.Supervised{Command: l.Command, Env: spec.LauncherEnv(os.Environ(), l.Env), Grace: proc.StopGrace})
	if exit.Err != nil {
		return exit, fmt.Errorf("run the executor command %q: %w", l.Command[0], exit.Err)
	}
	return exit, nil
}
