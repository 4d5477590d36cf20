package am

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/amproxy"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/proc"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// ExitCodeError is how the executor launcher passes on the exit code of the
// executor it ran (non-zero).
type ExitCodeError struct{ Code int }

func (e *ExitCodeError) Error() string {
	return fmt.Sprintf("the executor exited with code %d", e.Code)
}

// runProxied runs the executor command at path as a child whose
// SPINDLE_AM_URL is a local proxy to the AM (internal/amproxy). The proxy
// re-reads the AM's address from addrFile (a URI in the staging directory)
// when the AM stops answering, so a new AM attempt's API is found without
// restarting the executor. The launcher supervises the command itself
// (proc.Supervise: what the command starts ends with it, and dies with the
// launcher; a SIGTERM from the NodeManager is passed on), rather than through
// another `spindle supervise` process, which would cost every executor a
// second start of this binary; it ends with the command's exit code.
func runProxied(ctx context.Context, command, baseEnv []string, addrFile string) error {
	u, err := url.Parse(addrFile)
	if err != nil {
		return fmt.Errorf("%s %q: %w", "the AM address file", addrFile, err)
	}
	// Only a moving AM needs the configuration: a short executor never
	// reads it.
	resolve := func(ctx context.Context) (string, error) {
		conf, err := hadoopconf.LoadEnvironment()
		if err != nil {
			return "", fmt.Errorf("load the container's Hadoop configuration: %w", err)
		}
		auth := staging.Auth{User: os.Getenv("HADOOP_USER_NAME")}
		if krb.SecurityEnabled(conf) {
			// The container's HDFS token; the launcher rewrites the file
			// in place when the AM distributes new ones.
			c, err := creds.ReadFile(os.Getenv(creds.EnvTokenFile))
			if err != nil {
				return "", fmt.Errorf("read the container's credentials: %w", err)
			}
			auth = staging.Auth{Tokens: func() *creds.Credentials { return c }}
		}
		fsys, err := staging.OpenAs(ctx, conf, u, auth)
		if err != nil {
			return "", err
		}
		defer fsys.Close()
		b, err := fsys.ReadFile(ctx, u.Path, 4096)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	var tlsConf *tls.Config
	if pin := os.Getenv(container.EnvAMPubKeySHA256); pin != "" {
		if tlsConf, err = container.PinnedTLSConfig(pin); err != nil {
			return fmt.Errorf("the ApplicationMaster's TLS pin: %w", err)
		}
	}
	p := amproxy.New(os.Getenv(container.EnvAMURL), resolve, tlsConf)
	p.Logf = launcherLogf
	pctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	local, err := p.Listen(pctx)
	if err != nil {
		return err
	}
	stopLogs := func() {}
	if c, err := container.Connect(container.Env{AMURL: local, Secret: os.Getenv(container.EnvSecret), ExecutorID: os.Getenv(container.EnvExecutorID)}); err == nil {
		stopLogs = startLogPusher(pctx, c, launcherLogf)
	}
	// The command talks plain HTTP to the proxy on 127.0.0.1, which pins the AM's key.
	env := proc.Environ(withoutVar(baseEnv, container.EnvAMPubKeySHA256), map[string]string{container.EnvAMURL: local})
	exit := proc.Supervise(proc.Supervised{Command: command, Env: env, Grace: proc.StopGrace})
	stopLogs() // the last output a follower wants
	if exit.Err != nil {
		return fmt.Errorf("run executor command %q: %w", command[0], exit.Err)
	}
	if exit.Code != 0 {
		return &ExitCodeError{Code: exit.Code}
	}
	return nil
}

// launcherLogf writes one of the executor launcher's own lines to stderr.
func launcherLogf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s spindle executor: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, a...))
}

// withoutVar returns env without the variable name.
func withoutVar(env []string, name string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
