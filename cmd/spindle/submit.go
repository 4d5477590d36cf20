package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/staging"
)

func cmdSubmit(ctx context.Context, env *cliEnv, args []string) error {
	f := newSubmitFlags("submit", nil)
	f.fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: spindle submit [flags] APP [ARGS...]\n\nRuns APP as the driver and --num-executors executors on YARN (or locally with --master local[N]).\nFlags follow spark-submit's; every flag also has a --conf spindle.* key.")
		f.fs.PrintDefaults()
	}
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
	if client.IsGoPackageDir(opts.App) {
		dir, err := os.MkdirTemp("", "spindle-build-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		goos, goarch := runtime.GOOS, runtime.GOARCH
		if !isLocalMaster(opts.Master) {
			goos = "linux" // YARN nodes run Linux
		}
		built, err := client.BuildGoPackage(ctx, opts.App, goos, goarch, dir)
		if err != nil {
			return err
		}
		env.log.Debugf("built %s into %s", opts.App, built)
		opts.App = built
	}
	if isLocalMaster(opts.Master) {
		return runLocal(ctx, env, opts)
	}
	return submitYARN(ctx, env, opts, conf)
}

// resolveSubmit merges the properties file, --conf and the flags into Options, and
// loads the Hadoop configuration when the master is YARN.
func resolveSubmit(env *cliEnv, f *submitFlags, app string, appArgs []string) (*client.Options, *hadoopconf.Conf, error) {
	confLayer, flagLayer, err := f.layers()
	if err != nil {
		return nil, nil, err
	}
	props := map[string]string{}
	pf := f.propertiesFile
	if pf == "" {
		pf = client.FindPropertiesFile(env.getenv("SPINDLE_CONF_DIR"), env.getenv("YARN_CONF_DIR"), env.getenv("HADOOP_CONF_DIR"))
	}
	if pf != "" {
		if props, err = client.ReadProperties(pf); err != nil {
			return nil, nil, err
		}
		env.log.Debugf("read properties from %s", pf)
	}
	merged := client.Merge(props, confLayer, flagLayer)
	if merged[client.KeyMaster] == "" {
		if env.getenv("HADOOP_CONF_DIR") != "" || env.getenv("YARN_CONF_DIR") != "" {
			merged[client.KeyMaster] = "yarn"
		} else {
			merged[client.KeyMaster] = "local[*]"
		}
	}
	opts, err := client.ResolveOptions(merged, app, appArgs)
	if err != nil {
		return nil, nil, err
	}
	if opts.Verbose {
		env.log.SetLevel(logrus.DebugLevel)
	}
	switch {
	case isLocalMaster(opts.Master):
		return opts, nil, nil
	case opts.Master != "yarn":
		return nil, nil, fmt.Errorf("--master %q: use yarn, local, local[N] or local[*]", opts.Master)
	}
	conf, err := loadHadoopConf()
	if err != nil {
		return nil, nil, err
	}
	for k, v := range opts.Hadoop {
		conf.Set(k, v)
	}
	return opts, conf, nil
}

// submitYARN submits to YARN and, unless --no-wait, follows the application to its end.
func submitYARN(ctx context.Context, env *cliEnv, opts *client.Options, conf *hadoopconf.Conf) error {
	start := time.Now()
	cl, app, err := prepareAndSubmit(ctx, env, opts, conf)
	if err != nil {
		return err
	}
	defer cl.Close()
	if opts.Verbose {
		var total int64
		for _, r := range app.Staged {
			env.log.Debugf("staged %s: %s, %d bytes uploaded (%s)", r.Name, r.Outcome, r.Bytes, r.URL)
			total += r.Bytes
		}
		env.log.Infof("uploaded %d bytes in total", total)
	}
	env.log.Infof("submitted %s to queue %s in %s (%s mode)", app.ID, opts.Queue, time.Since(start).Round(time.Millisecond), opts.DeployMode)
	if !opts.Wait {
		fmt.Fprintln(env.stdout, app.ID)
		return nil
	}
	if opts.DeployMode == "client" {
		return runClientMode(ctx, env, cl, app, opts)
	}
	rep, err := cl.Follow(ctx, app.ID, nil, printReport(env))
	return finishFollow(ctx, env, cl, app, rep, err)
}

// prepareAndSubmit checks the submission locally, connects to the cluster and submits
// it, showing upload progress on a terminal. The caller closes the returned Cluster.
func prepareAndSubmit(ctx context.Context, env *cliEnv, opts *client.Options, conf *hadoopconf.Conf) (*client.Cluster, *client.Application, error) {
	sub, err := client.Prepare(opts, os.Executable)
	if err != nil {
		return nil, nil, err
	}
	cl, err := client.Connect(conf)
	if err != nil {
		return nil, nil, err
	}
	var progress staging.ProgressFunc
	if opts.Verbose || staging.IsTerminal(env.stderr) {
		progress = staging.NewProgress(env.stderr, opts.Verbose)
	}
	app, err := cl.Submit(ctx, sub, client.SubmitConfig{Log: env.log, Progress: progress})
	if err != nil {
		cl.Close()
		return nil, nil, err
	}
	return cl, app, nil
}

// printReport returns the onChange callback that prints state changes.
func printReport(env *cliEnv) func(*client.Report) {
	shownURL := ""
	return func(r *client.Report) {
		line := fmt.Sprintf("%s %s", r.ID, r.State)
		if r.Terminal() {
			line += "/" + r.FinalStatus
		}
		if r.Diagnostics != "" {
			line += ": " + firstLineOf(r.Diagnostics)
		}
		env.log.Info(line)
		if r.TrackingURL != "" && r.TrackingURL != shownURL && !r.Terminal() {
			shownURL = r.TrackingURL
			env.log.Infof("tracking URL: %s", r.TrackingURL)
		}
	}
}

// finishFollow ends a followed application: on interruption it kills it, and in every
// case it removes the staging directory and turns the outcome into the exit code.
func finishFollow(ctx context.Context, env *cliEnv, cl *client.Cluster, app *client.Application, rep *client.Report, err error) error {
	cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err != nil && ctx.Err() != nil {
		env.log.Warnf("interrupted: killing %s", app.ID)
		if kerr := cl.Kill(cctx, app.ID, "killed by the user (spindle was interrupted)"); kerr != nil {
			env.log.WithError(kerr).Errorf("could not kill %s", app.ID)
		}
		if r, ferr := cl.Report(cctx, app.ID); ferr == nil {
			rep = r
			printReport(env)(r)
		}
	}
	if cerr := cl.CleanupStaging(cctx, app.StagingDir); cerr != nil {
		env.log.WithError(cerr).Warnf("could not delete the staging directory %s", app.StagingDir)
	}
	if ctx.Err() != nil {
		return exitError{code: 130}
	}
	if err != nil {
		return fmt.Errorf("follow %s: %w", app.ID, err)
	}
	if !rep.Succeeded() {
		env.log.Errorf("%s ended %s/%s", app.ID, rep.State, rep.FinalStatus)
		return exitError{code: 1}
	}
	env.log.Infof("%s ended FINISHED/SUCCEEDED", app.ID)
	return nil
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func isLocalMaster(m string) bool { return m == "local" || strings.HasPrefix(m, "local[") }
