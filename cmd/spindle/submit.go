package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/staging"
)

func cmdSubmit(ctx context.Context, env *cliEnv, args []string) error {
	var lf liveFlags
	f := newSubmitFlags("submit", func(fs *pflag.FlagSet) { lf.add(fs, false) })
	if err := parseFlags(f.fs, args); err != nil {
		return err
	}
	var app string
	var appArgs []string
	if rest := f.fs.Args(); len(rest) > 0 {
		app, appArgs = rest[0], rest[1:]
	}
	opts, conf, err := resolveSubmit(env, f, app, appArgs)
	if err != nil {
		return err
	}
	if app == "" && len(opts.ExecutorCommand) == 0 {
		return usagef("no program to run: give APP (a driver program, or a directory holding a Go main package), or --executor-command for an application of executors only")
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
		printStaged(env, opts, app)
		env.log.Infof("submitted %s to queue %s in %s (%s mode)", app.ID, opts.Queue, time.Since(start).Round(time.Millisecond), opts.DeployMode)
	}
	cluster := !client.IsLocalMaster(opts.Master) && opts.DeployMode == "cluster"
	if lf.json {
		return submitJSON(ctx, env, conf, opts, cfg, lf, cluster)
	}
	stopStatus := wireText(env, &cfg, opts, lf.quiet, cluster)
	out, err := client.Run(ctx, conf, opts, cfg)
	stopStatus()
	if err != nil {
		return err
	}
	if out.Submitted {
		fmt.Fprintln(env.stdout, out.ID)
	}
	if out.Live != nil && out.Report != nil {
		env.log.Debugf("followed the ApplicationMaster with %d requests in %s", out.Live.Requests, out.Report.FinishTime.Sub(out.Report.StartTime).Round(time.Millisecond))
	}
	err = exitWith(env, out)
	printFailure(env, out, cluster)
	return err
}

// submitJSON is submit --json: every event a JSON line on stdout.
func submitJSON(ctx context.Context, env *cliEnv, conf *hadoopconf.Conf, opts *client.Options, cfg client.RunConfig, lf liveFlags, cluster bool) error {
	j := wireJSON(env, &cfg, env.stdout, lf.jsonOutput && cluster)
	if !cluster {
		cfg.Stdout = env.stderr // a driver running here keeps stdout free for the events
	}
	cfg.OnSubmitted = func(app *client.Application) {
		j.emit(jsonEvent{Type: "submitted", App: app.ID.String(), Queue: opts.Queue, Message: opts.DeployMode + " mode"})
	}
	out, err := client.Run(ctx, conf, opts, cfg)
	if err != nil {
		return err
	}
	if !out.Submitted {
		j.emit(finishedEvent(out))
	}
	if code := out.ExitCode(); code != 0 {
		return exitError{code: code}
	}
	return nil
}

// resolveSubmit merges the properties file, --conf and the flags into Options, and
// loads the Hadoop configuration when the master is YARN.
func resolveSubmit(env *cliEnv, f *submitFlags, app string, appArgs []string) (*client.Options, *hadoopconf.Conf, error) {
	confLayer, flagLayer, err := f.layers()
	if err != nil {
		return nil, nil, err
	}
	opts, conf, err := client.Resolve(client.Layers{PropertiesFile: f.propertiesFile, Conf: confLayer, Flags: flagLayer, Getenv: env.getenv,
		Warn: func(m string) { fmt.Fprintln(env.stderr, "spindle: "+m) }}, app, appArgs)
	if err == nil && opts.Verbose {
		env.log.SetLevel(logrus.DebugLevel)
	}
	return opts, conf, err
}

// runConfig is what submit and shell print while client.Run works.
func runConfig(env *cliEnv, opts *client.Options) client.RunConfig {
	cfg := client.RunConfig{Log: env.log, Stdout: env.stdout, Stderr: env.stderr, OnReport: printReport(env), Verbose: opts.Verbose}
	if exe, err := os.Executable(); err == nil {
		cfg.Supervisor = exe // the driver and local executors run under `spindle supervise`
	}
	if opts.Verbose || staging.IsTerminal(env.stderr) {
		cfg.Progress = env.stderr
	}
	return cfg
}

// printStaged lists what was uploaded, with --verbose.
func printStaged(env *cliEnv, opts *client.Options, app *client.Application) {
	if !opts.Verbose {
		return
	}
	var total int64
	for _, r := range app.Staged {
		env.log.Debugf("staged %s: %s, %d bytes uploaded (%s)", r.Name, r.Outcome, r.Bytes, r.URL)
		total += r.Bytes
	}
	env.log.Infof("uploaded %d bytes in total", total)
}

// printReport returns the onChange callback that prints state changes.
func printReport(env *cliEnv) func(*client.Report) {
	shownURL := ""
	return func(r *client.Report) {
		line := fmt.Sprintf("%s %s", r.ID, r.State)
		if r.Terminal() {
			line = fmt.Sprintf("%s ended %s/%s", r.ID, r.State, r.FinalStatus)
		}
		if r.Diagnostics != "" {
			line += ": " + briefDiagnostics(r.Diagnostics)
		}
		if r.Terminal() && !r.Succeeded() {
			env.log.Error(line)
		} else {
			env.log.Info(line)
		}
		if r.TrackingURL != "" && r.TrackingURL != shownURL && !r.Terminal() {
			shownURL = r.TrackingURL
			env.log.Infof("tracking URL: %s", r.TrackingURL)
		}
	}
}

// exitWith says how a local application ended (printReport said it of a
// YARN one, once) and turns that into the exit code.
func exitWith(env *cliEnv, out *client.Outcome) error {
	switch {
	case out.Submitted || out.Interrupted || out.Report != nil:
	case !out.Succeeded:
		env.log.Errorf("local application failed: %s", out.Diagnostics)
	}
	if code := out.ExitCode(); code != 0 {
		return exitError{code: code}
	}
	return nil
}

func firstLineOf(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
