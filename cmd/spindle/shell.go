package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/client/shell"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/console"
	"github.com/spindle-yarn/spindle/internal/submitflags"
)

// shellAppName is the application name of a shell session without --name.
const shellAppName = "spindle-shell"

// cmdShell is `spindle shell`: an interactive session whose driver is this
// process (client mode) and whose executors each run `spindle agent`.
//
// The session ends normally with Ctrl-D, :quit or the end of a piped input; the
// application then ends SUCCEEDED (the session did what it was asked), and the
// exit code is 1 if any command failed or the executors were not all ready at
// the start (0 otherwise), so that scripts can check it. Ctrl-C interrupts the running
// command only; SIGTERM, SIGHUP, or SIGINT while no command runs end the session
// as interrupted (the application ends FAILED, exit code 130).
func cmdShell(ctx context.Context, env *cliEnv, args []string) error {
	var sh shell.Console
	var lf liveFlags
	f := submitflags.New("shell", func(fs *pflag.FlagSet) {
		lf.add(fs, true)
		fs.DurationVar(&sh.Config.CommandTimeout, "command-timeout", 30*time.Minute, "stop a command that runs longer than this on an executor (0: no limit)")
		fs.DurationVar(&sh.Config.ReadyTimeout, "ready-timeout", shell.DefaultReadyTimeout, "how long to wait for the executors at the start and after :scale")
	})
	opts, conf, err := resolveShell(env, f, args, &sh.Config)
	if err != nil {
		return err
	}
	// A shell decides for itself what a signal means: its context is not the command's.
	sctx, sig, stop := shell.WatchSignals(ctx, env.log)
	defer stop()
	sh.In, sh.Out, sh.Err, sh.Log = os.Stdin, env.stdout, env.stderr, env.log
	sh.HistoryFile = console.ShellHistoryFile(env.getenv)
	var session shell.Outcome
	cfg := runConfig(env, opts)
	cfg.Agent, cfg.ExecutorOutput = true, io.Discard
	if opts.Verbose {
		cfg.ExecutorOutput = env.stderr
	}
	cfg.OnSubmitted = func(app *client.Application) {
		env.log.Infof("submitted %s to queue %s: %d executors of %d MB", app.ID, opts.Queue, opts.NumExecutors, opts.ExecutorMemoryMB)
	}
	cfg.Driver = func(ctx context.Context, d client.Driver) client.DriverResult {
		sdk, err := container.Connect(d.Env)
		if err != nil {
			return client.DriverResult{ExitCode: 1, Diagnostics: fmt.Sprintf("the shell could not connect to the ApplicationMaster: %v", err)}
		}
		session = sh.Run(ctx, sdk, sig, shell.RunOptions{Executors: d.Executors, HeartbeatInterval: d.Heartbeat, AppEnded: d.AppEnded})
		return client.DriverResult{ExitCode: session.ExitCode, Diagnostics: session.Diagnostics,
			Reported: session.FinishErr == nil}
	}
	if client.IsLocalMaster(opts.Master) {
		env.log.Infof("running locally (--master %s): executors as processes on this machine", opts.Master)
	}
	var j *console.JSONLines
	if lf.json {
		j = console.WireJSON(env.log, &cfg, env.stderr, false)
		cfg.Stdout = env.stdout
		submitted := cfg.OnSubmitted
		cfg.OnSubmitted = func(app *client.Application) {
			j.Emit(console.JSONEvent{Type: "submitted", App: app.ID.String(), Queue: opts.Queue, Message: "shell session"})
			submitted(app)
		}
	} else {
		console.WireText(env.log, env.stderr, &cfg, opts.Verbose, false, false)
	}
	out, err := client.Run(sctx, conf, opts, cfg)
	if err != nil {
		return err
	}
	err = console.ShellExit(env.log, out, session)
	if j != nil {
		e := console.FinishedEvent(out)
		if ee := (console.ExitError{}); errors.As(err, &ee) {
			e.ExitCode = &ee.Code
		}
		j.Emit(e)
	}
	return err
}

// resolveShell parses the shell's flags into Options for a client-mode session.
func resolveShell(env *cliEnv, f *submitflags.Flags, args []string, c *shell.Config) (*client.Options, *hadoopconf.Conf, error) {
	if err := console.ParseFlags(f.FS, args); err != nil {
		return nil, nil, err
	}
	if rest := f.FS.Args(); len(rest) > 0 {
		return nil, nil, console.Usagef("unexpected argument %q: spindle shell takes no program (type the commands at its prompt, or pipe them in)", rest[0])
	}
	for flag, why := range submitflags.NotForShell() {
		if v, _ := f.FS.GetString(flag); f.FS.Changed(flag) && !(flag == "deploy-mode" && v == "client") {
			return nil, nil, console.Usagef("--%s does not apply to spindle shell: %s", flag, why)
		}
	}
	if c.CommandTimeout < 0 || c.ReadyTimeout <= 0 {
		return nil, nil, console.Usagef("--command-timeout must be >= 0 and --ready-timeout > 0")
	}
	opts, conf, err := resolveSubmit(env, f, "", nil)
	if err != nil {
		return nil, nil, err
	}
	opts.DeployMode = "client"
	if opts.Name == "" {
		opts.Name = shellAppName
	}
	return opts, conf, nil
}
