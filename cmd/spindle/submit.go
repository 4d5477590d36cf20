package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/console"
	"github.com/spindle-yarn/spindle/internal/staging"
	"github.com/spindle-yarn/spindle/internal/submitflags"
)

func cmdSubmit(ctx context.Context, env *cliEnv, args []string) error {
	var lf liveFlags
	f := submitflags.New("submit", func(fs *pflag.FlagSet) { lf.add(fs, false) })
	if err := console.ParseFlags(f.FS, args); err != nil {
		return err
	}
	var app string
	var appArgs []string
	if rest := f.FS.Args(); len(rest) > 0 {
		app, appArgs = rest[0], rest[1:]
	}
	opts, conf, err := resolveSubmit(env, f, app, appArgs)
	if err != nil {
		return err
	}
	if app == "" && len(opts.ExecutorCommand) == 0 {
		return console.Usagef("no program to run: give APP (a driver program, or a directory holding a Go main package), or --executor-command for an application of executors only")
	}
	if client.IsLocalMaster(opts.Master) {
		n, err := client.LocalExecutors(opts.Master)
		if err != nil {
			return err
		}
		env.log.Infof("running locally (--master %s): the driver and %d executors as processes on this machine; use --master yarn with HADOOP_CONF_DIR for a cluster", opts.Master, n)
	}
	cfg := runConfig(env, opts)
	start := time.Now()
	cfg.OnSubmitted = func(app *client.Application) {
		console.PrintStaged(env.log, opts.Verbose, app)
		env.log.Infof("submitted %s to queue %s in %s (%s mode)", app.ID, opts.Queue, time.Since(start).Round(time.Millisecond), opts.DeployMode)
	}
	cluster := !client.IsLocalMaster(opts.Master) && opts.DeployMode == "cluster"
	if lf.json {
		return submitJSON(ctx, env, conf, opts, cfg, lf, cluster)
	}
	stopStatus := console.WireText(env.log, env.stderr, &cfg, opts.Verbose, lf.quiet, cluster)
	out, err := client.Run(ctx, conf, opts, cfg)
	stopStatus()
	if err != nil {
		return interrupted(ctx, env, err)
	}
	if out.Submitted {
		fmt.Fprintln(env.stdout, out.ID)
	}
	if out.Live != nil && out.Report != nil {
		env.log.Debugf("followed the ApplicationMaster with %d requests in %s", out.Live.Requests, out.Report.FinishTime.Sub(out.Report.StartTime).Round(time.Millisecond))
	}
	err = console.ExitWith(env.log, out)
	console.PrintFailure(env.stderr, out, cluster)
	return err
}

// submitJSON is submit --json: every event a JSON line on stdout.
func submitJSON(ctx context.Context, env *cliEnv, conf *hadoopconf.Conf, opts *client.Options, cfg client.RunConfig, lf liveFlags, cluster bool) error {
	j := console.WireJSON(env.log, &cfg, env.stdout, lf.jsonOutput && cluster)
	if !cluster {
		cfg.Stdout = env.stderr // a driver running here keeps stdout free for the events
	}
	cfg.OnSubmitted = func(app *client.Application) {
		j.Emit(console.JSONEvent{Type: "submitted", App: app.ID.String(), Queue: opts.Queue, Message: opts.DeployMode + " mode"})
	}
	out, err := client.Run(ctx, conf, opts, cfg)
	if err != nil {
		return interrupted(ctx, env, err)
	}
	if !out.Submitted {
		j.Emit(console.FinishedEvent(out))
	}
	if code := out.ExitCode(); code != 0 {
		return console.ExitError{Code: code}
	}
	return nil
}

// interrupted is err, or exit code 130 after saying so when ctx ended (an
// interrupt before the application was under way: Submit removed what it
// had created).
func interrupted(ctx context.Context, env *cliEnv, err error) error {
	if ctx.Err() == nil {
		return err
	}
	env.log.WithError(err).Error("interrupted")
	return console.ExitError{Code: 130}
}

// resolveSubmit merges the properties file, --conf and the flags into Options, and
// loads the Hadoop configuration when the master is YARN.
func resolveSubmit(env *cliEnv, f *submitflags.Flags, app string, appArgs []string) (*client.Options, *hadoopconf.Conf, error) {
	confLayer, flagLayer, err := f.Layers()
	if err != nil {
		return nil, nil, err
	}
	opts, conf, err := client.Resolve(client.Layers{PropertiesFile: f.PropertiesFile, Conf: confLayer, Flags: flagLayer, Getenv: env.getenv,
		Warn: func(m string) { fmt.Fprintln(env.stderr, "spindle: "+m) }}, app, appArgs)
	if err == nil && opts.Verbose {
		env.log.SetLevel(logrus.DebugLevel)
	}
	return opts, conf, err
}

// runConfig is what submit and shell print while client.Run works.
func runConfig(env *cliEnv, opts *client.Options) client.RunConfig {
	cfg := client.RunConfig{Log: env.log, Stdout: env.stdout, Stderr: env.stderr, OnReport: console.ReportPrinter(env.log), Verbose: opts.Verbose}
	if exe, err := os.Executable(); err == nil {
		cfg.Supervisor = exe // the driver and local executors run under `spindle supervise`
	}
	if opts.Verbose || staging.IsTerminal(env.stderr) {
		cfg.Progress = env.stderr
	}
	return cfg
}
