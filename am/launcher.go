package am

import (
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
// node-local files, puts the executors' secret from the container's
// credentials into SPINDLE_SECRET and replaces itself with CMD, so that
// signals and the exit status are CMD's own; when the AM refreshes the
// application's credentials it runs CMD as a child instead and keeps the
// container's credentials file fresh (superviseExecutor) and returns nil or
// an *ExitError with the command's exit code. Otherwise it returns only on
// failure.
func LaunchExecutor(args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("usage: spindle executor -- COMMAND [ARGS]")
	}
	if err := spec.LinkNodeLocal(".", os.Getenv(spec.EnvNodeLocalLinks)); err != nil {
		return err
	}
	if os.Getenv(container.EnvSecret) == "" {
		secret, err := creds.ContainerSecret(spec.ExecutorSecretAlias)
		if err != nil {
			return err
		}
		if err := os.Setenv(container.EnvSecret, secret); err != nil {
			return fmt.Errorf("set %s: %w", container.EnvSecret, err)
		}
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return fmt.Errorf("executor command %q: %w", args[0], err)
	}
	if os.Getenv(spec.EnvCredentialsRefresh) == "1" && os.Getenv(creds.EnvTokenFile) != "" {
		return superviseExecutor(path, args)
	}
	if err := proc.Exec(path, args, os.Environ()); err != nil {
		return fmt.Errorf("run executor command %q: %w", path, err)
	}
	return nil
}
