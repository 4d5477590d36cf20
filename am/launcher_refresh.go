package am

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/proc"
)

// superviseExecutor runs the executor command as a child, for an
// application whose credentials the AM refreshes (spec.EnvCredentialsRefresh):
// the launcher stays in front of it to rewrite the container's credentials
// file (HADOOP_TOKEN_FILE_LOCATION) in place with every version the AM
// announces, so that Hadoop tools the executor starts later find fresh
// tokens. The child shares the container's process group, so YARN's stop
// signal reaches it directly; the launcher passes on SIGTERM and SIGINT it
// receives alone and exits with the child's exit code.
func superviseExecutor(path string, args []string) error {
	tokenFile := os.Getenv(creds.EnvTokenFile)
	sdk, err := container.FromEnv()
	if err != nil {
		return fmt.Errorf("refreshing credentials: %w", err)
	}
	r, err := proc.Start(proc.Process{Command: append([]string{path}, args[1:]...), Env: os.Environ(),
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	if err != nil {
		return fmt.Errorf("run executor command %q: %w", path, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = sdk.KeepCredentialsFile(ctx, tokenFile, 1, func(v uint64) {
			fmt.Fprintf(os.Stderr, "spindle executor: credentials version %d written to %s\n", v, tokenFile)
		})
	}()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	for {
		select {
		case s := <-sigs:
			if p, err := os.FindProcess(r.Pid()); err == nil {
				_ = p.Signal(s)
			}
		case <-r.Done():
			if code := r.Exit().Code; code != 0 {
				return &ExitError{Code: code}
			}
			return nil
		}
	}
}

// ExitError is the exit code of an executor command that the launcher ran
// as a child and that did not exit 0; the launcher exits with it.
type ExitError struct{ Code int }

func (e *ExitError) Error() string {
	return fmt.Sprintf("the executor command exited with code %d", e.Code)
}
