package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/am"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/client/shell"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// shellAppName is the application name of a shell session without --name.
const shellAppName = "spindle-shell"

// shellFlags are the flags of `spindle shell` beyond the submit flags.
type shellFlags struct {
	commandTimeout time.Duration
	readyTimeout   time.Duration
}

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
	var sf shellFlags
	f := newSubmitFlags("shell", func(fs *pflag.FlagSet) {
		fs.DurationVar(&sf.commandTimeout, "command-timeout", 30*time.Minute, "stop a command that runs longer than this on an executor (0: no limit)")
		fs.DurationVar(&sf.readyTimeout, "ready-timeout", shell.DefaultReadyTimeout, "how long to wait for the executors at the start and after :scale")
	})
	f.fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: spindle shell [flags]\n\nStarts --num-executors executors on YARN (or locally with --master local[N]) and runs\neach line typed (or piped in) with /bin/sh on every executor. This process is the\ndriver (client mode). :help at the prompt lists the session's commands.")
		f.fs.PrintDefaults()
	}
	if err := parseFlags(f.fs, args); err != nil {
		return err
	}
	if rest := f.fs.Args(); len(rest) > 0 {
		return fmt.Errorf("unexpected argument %q: spindle shell takes no program (type the commands at its prompt, or pipe them in)", rest[0])
	}
	if f.fs.Changed("executor-command") {
		return errors.New("--executor-command does not apply: every executor of a shell session runs the shell's agent")
	}
	if v, _ := f.fs.GetString("deploy-mode"); f.fs.Changed("deploy-mode") && v != "client" {
		return errors.New("--deploy-mode: a shell session is always in client mode (its driver is this process)")
	}
	if sf.commandTimeout < 0 || sf.readyTimeout <= 0 {
		return errors.New("--command-timeout must be >= 0 and --ready-timeout > 0")
	}
	opts, conf, err := resolveSubmit(env, f, "", nil)
	if err != nil {
		return err
	}
	opts.DeployMode = "client"
	if opts.Name == "" {
		opts.Name = shellAppName
	}

	// The run context ends at the first SIGINT; a shell decides for itself what a
	// signal means, so it watches them directly.
	sctx, endSession := context.WithCancel(context.WithoutCancel(ctx))
	defer endSession()
	var interrupt atomic.Pointer[func() bool]
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		for {
			select {
			case <-sctx.Done():
				return
			case sig := <-sigs:
				if f := interrupt.Load(); sig == os.Interrupt && f != nil && (*f)() {
					continue
				}
				env.log.Warnf("%v: ending the session", sig)
				endSession()
				return
			}
		}
	}()
	setInterrupt := func(f func() bool) { interrupt.Store(&f) }

	if isLocalMaster(opts.Master) {
		return shellLocal(sctx, env, opts, sf, setInterrupt)
	}
	return shellYARN(sctx, env, opts, conf, sf, setInterrupt)
}

// shellYARN runs a session on YARN: submit the application with the agent as
// the executors' command, run the session once the AM is up, follow it to the end.
func shellYARN(ctx context.Context, env *cliEnv, opts *client.Options, conf *hadoopconf.Conf, sf shellFlags, setInterrupt func(func() bool)) error {
	opts.ExecutorCommand = spec.AgentCommand()
	cl, app, err := prepareAndSubmit(ctx, env, opts, conf)
	if err != nil {
		return err
	}
	defer cl.Close()
	env.log.Infof("submitted %s to queue %s: %d executors of %d MB", app.ID, opts.Queue, opts.NumExecutors, opts.ExecutorMemoryMB)
	denv, rep, err := cl.WaitForAM(ctx, app, printReport(env))
	if err != nil {
		return finishFollow(ctx, env, cl, app, rep, err)
	}
	sdk, err := container.Connect(denv)
	if err != nil {
		kctx, cancel := context.WithCancel(ctx)
		cancel() // finishFollow kills the application when its context has ended
		_ = finishFollow(kctx, env, cl, app, rep, err)
		return fmt.Errorf("connect to the ApplicationMaster of %s: %w", app.ID, err)
	}
	interval := min(max(opts.DriverTimeout/6, time.Second), 10*time.Second)
	appEnded := func(ctx context.Context) error {
		r, err := cl.Report(ctx, app.ID)
		if err != nil || !r.Terminal() {
			return nil
		}
		return fmt.Errorf("%s ended %s/%s", app.ID, r.State, r.FinalStatus)
	}
	out := runShellSession(ctx, env, sdk, shell.RunOptions{Executors: opts.NumExecutors, HeartbeatInterval: interval, AppEnded: appEnded}, sf, setInterrupt)
	switch {
	case out.Interrupted && out.FinishErr != nil:
		return finishFollow(ctx, env, cl, app, rep, ctx.Err()) // kills it
	case out.Interrupted:
		_ = followToEnd(env, cl, app)
		return exitError{code: 130}
	case out.Lost != nil:
		env.log.Errorf("the session ended: %v", out.Lost)
		if err := followToEnd(env, cl, app); err != nil {
			return err
		}
		return exitError{code: 1}
	}
	if out.FinishErr != nil {
		env.log.WithError(out.FinishErr).Warn("could not report the end of the session")
	}
	if err := followToEnd(env, cl, app); err != nil {
		return err
	}
	return shellExit(env, out)
}

// shellLocal runs a session with a local-mode application: the AM API in this
// process and the agents as local processes.
func shellLocal(ctx context.Context, env *cliEnv, opts *client.Options, sf shellFlags, setInterrupt func(func() bool)) error {
	n, err := localExecutors(opts.Master)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the spindle binary for the local agents: %w", err)
	}
	var agentOutput io.Writer = io.Discard
	if opts.Verbose {
		agentOutput = env.stderr
	}
	files := append(append([]string{}, opts.Files...), opts.Jars...)
	lc, err := am.StartLocal(ctx, am.LocalOptions{Name: opts.Name, Executors: n, ExecutorCommand: []string{exe, "agent"},
		Env: opts.Env, Files: files, Archives: opts.Archives, MaxExecutorFailures: opts.MaxExecutorFailures,
		Output: agentOutput, Log: env.log})
	if err != nil {
		return err
	}
	env.log.Infof("running locally (--master %s): %d executors as processes on this machine", opts.Master, n)
	sdk, err := container.Connect(lc.DriverEnv())
	if err != nil {
		lc.Finish(1, "the shell could not connect to the local ApplicationMaster")
		_ = lc.Wait()
		return err
	}
	out := runShellSession(ctx, env, sdk, shell.RunOptions{Executors: n, HeartbeatInterval: time.Second}, sf, setInterrupt)
	if out.FinishErr != nil || out.Lost != nil {
		lc.Finish(out.ExitCode, out.Diagnostics)
	}
	if err := lc.Wait(); err != nil && !out.Interrupted {
		env.log.Errorf("local application failed: %v", err)
		return exitError{code: 1}
	}
	if out.Interrupted {
		return exitError{code: 130}
	}
	return shellExit(env, out)
}

// runShellSession runs the session with the terminal or, when stdin or stdout
// is not one, with the lines of stdin.
func runShellSession(ctx context.Context, env *cliEnv, sdk *container.Client, ro shell.RunOptions, sf shellFlags, setInterrupt func(func() bool)) shell.Outcome {
	cfg := shell.Config{Out: env.stdout, Err: env.stderr, CommandTimeout: sf.commandTimeout, ReadyTimeout: sf.readyTimeout}
	var in shell.Input = shell.NewScriptInput(os.Stdin)
	var term *shell.Terminal
	if out, ok := env.stdout.(*os.File); ok && shell.IsTerminal(os.Stdin, out) {
		t, err := shell.OpenTerminal(os.Stdin, out, "spindle> ")
		if err != nil {
			env.log.WithError(err).Warn("no line editing: reading plain lines")
		} else {
			term = t
			defer func() {
				if err := t.Close(); err != nil {
					env.log.WithError(err).Warn("could not restore the terminal")
				}
			}()
			logOut := env.log.Out
			env.log.SetOutput(t)
			defer env.log.SetOutput(logOut)
			cfg.Out, cfg.Err, in = t, t, t
		}
	}
	s := shell.NewSession(sdk, cfg)
	setInterrupt(s.Interrupt)
	if term != nil {
		term.OnInterrupt(s.Interrupt)
		fmt.Fprintf(term, "spindle shell on %s: commands run on every executor. :help lists the session's commands; Ctrl-D ends it.\n", sdk.Env().AppID)
	}
	ro.Log = env.log
	return s.Run(ctx, in, ro)
}

// shellExit is the exit code of a session that ended normally: 1 when a command
// failed or the executors were not all ready at the start.
func shellExit(env *cliEnv, out shell.Outcome) error {
	if out.StartErr != nil {
		env.log.Warnf("the session started without all its executors: %v", out.StartErr)
		return exitError{code: 1}
	}
	if out.Failed > 0 {
		env.log.Warnf("%d of %d commands failed", out.Failed, out.Commands)
		return exitError{code: 1}
	}
	return nil
}
