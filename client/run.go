package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/secure"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// RunConfig is what Run needs besides the options. Every field is optional.
type RunConfig struct {
	// Log receives the lifecycle's own messages: a kill on interrupt, cleanup
	// trouble, heartbeat failures (default: a logger to standard error).
	Log *logrus.Logger
	// Progress receives upload progress as text (YARN; see SubmitConfig).
	Progress io.Writer
	// Verbose reports every staged file instead of a progress bar.
	Verbose bool
	// OnSubmitted is called once the application is submitted (YARN).
	OnSubmitted func(*Application)
	// OnReport is called with the first report and every change (YARN).
	OnReport func(*Report)
	// Stdin, Stdout and Stderr are the streams of a driver program run here
	// (default: this process's).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// ExecutorOutput receives local executors' output, each line prefixed with
	// the executor id (local mode; default Stderr).
	ExecutorOutput io.Writer
	// Driver, when set, is the driver instead of the program Options.App: a
	// function run in this process (client and local mode).
	Driver DriverFunc
	// Agent makes every executor run spindle's shell agent (spindle shell).
	Agent bool
	// Executable returns this spindle binary, which is shipped to the cluster
	// and runs local agents (default os.Executable).
	Executable func() (string, error)

	// Quiet turns off the streaming of a cluster-mode driver's output to
	// Stdout and Stderr (YARN; it is streamed by default).
	Quiet bool
	// OnAMEvent is called with every event of the ApplicationMaster's event
	// log: attempts, the driver, executors started, failed, replaced (YARN).
	OnAMEvent func(container.Event)
	// OnAppInfo, when set, is called every few seconds with the AM's view of
	// the application, for a status line (YARN).
	OnAppInfo func(container.AppInfo)
	// Supervisor is the spindle binary that supervises the driver program and
	// local executors (`spindle supervise`, Linux): whatever they start ends
	// with them, with a stop, and when this process dies, even of SIGKILL.
	// Empty: they are started directly.
	Supervisor string
}

// Outcome is how an application run by Run ended.
type Outcome struct {
	// ID is the YARN application id (zero in local mode).
	ID ApplicationID
	// Submitted is set when Run only submitted the application (Options.Wait false).
	Submitted bool
	// Report is YARN's last report of the application (nil in local mode).
	Report *Report
	// Driver is the outcome of a driver that ran here (client and local mode).
	Driver *DriverResult
	// Interrupted is set when Run's context ended the application.
	Interrupted bool
	// Succeeded is set when the application ended successfully (FINISHED/SUCCEEDED on YARN).
	Succeeded bool
	// Diagnostics says how the application ended.
	Diagnostics string
	// Live is what Run saw through the ApplicationMaster (YARN, when it
	// waited for the end).
	Live *Live
}

// ExitCode is the exit code for a command that ran the application: 130 when
// interrupted, the driver's exit code when it ran here (1 if it exited 0 but
// the application failed), else 0 for success and 1 for failure.
func (o *Outcome) ExitCode() int {
	switch {
	case o.Interrupted:
		return 130
	case o.Submitted:
		return 0
	case o.Driver != nil && o.Driver.ExitCode != 0:
		return o.Driver.ExitCode
	case o.Succeeded:
		return 0
	}
	return 1
}

// Run runs an application to its end as the options say: in local mode here,
// or on the YARN cluster conf describes (nil for local mode). It builds APP
// when it is a Go package directory, submits the application, waits for the
// AM, runs the driver here in client mode (through the one runner local mode
// uses too), follows the application to its end, kills it when ctx ends
// first, and deletes its staging directory once YARN reports it ended. The
// error is for an application that could not be run or followed; how it
// ended is in the Outcome.
func Run(ctx context.Context, conf *hadoopconf.Conf, opts *Options, cfg RunConfig) (*Outcome, error) {
	cfg = cfg.withDefaults()
	o := *opts
	if IsGoPackageDir(o.App) {
		dir, err := os.MkdirTemp("", "spindle-build-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		goos := runtime.GOOS
		if !IsLocalMaster(o.Master) {
			goos = "linux" // YARN nodes run Linux
		}
		cfg.Log.Infof("building %s with go build (the first build compiles its dependencies and may take a minute; later ones reuse Go's build cache)", o.App)
		start := time.Now()
		if o.App, err = BuildGoPackage(ctx, o.App, goos, runtime.GOARCH, dir); err != nil {
			return nil, err
		}
		cfg.Log.Infof("built %s in %s", filepath.Base(o.App), time.Since(start).Round(100*time.Millisecond))
	}
	if IsLocalMaster(o.Master) {
		return runLocal(ctx, &o, cfg)
	}
	if conf == nil {
		return nil, errors.New("no Hadoop configuration for --master yarn: set HADOOP_CONF_DIR or YARN_CONF_DIR")
	}
	if cfg.Agent {
		o.ExecutorCommand = spec.AgentCommand()
	}
	return runYARN(ctx, conf, &o, cfg)
}

func (cfg RunConfig) withDefaults() RunConfig {
	if cfg.Log == nil {
		cfg.Log = logrus.New()
	}
	if cfg.Stdin == nil {
		cfg.Stdin = os.Stdin
	}
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	if cfg.ExecutorOutput == nil {
		cfg.ExecutorOutput = cfg.Stderr
	}
	if cfg.Executable == nil {
		cfg.Executable = os.Executable
	}
	return cfg
}

// session is one YARN application from its submission to its end.
type session struct {
	cl   *Cluster
	app  *Application
	opts *Options
	cfg  RunConfig
}

// runYARN submits the application and, unless told not to wait, sees it to its end.
func runYARN(ctx context.Context, conf *hadoopconf.Conf, opts *Options, cfg RunConfig) (*Outcome, error) {
	sub, err := Prepare(opts, cfg.Executable)
	if sub != nil {
		sub.LocalDriver = cfg.Driver != nil
	}
	if err != nil {
		return nil, err
	}
	cl, err := ConnectAs(ctx, conf, opts.Kerberos)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	cl.OnConnectionChange(func(msg string, reachable bool) {
		if reachable {
			cfg.Log.Info(msg)
		} else {
			cfg.Log.Warnf("%s; the application keeps running", msg)
		}
	})
	app, err := cl.Submit(ctx, sub, SubmitConfig{Log: cfg.Log, Progress: cfg.Progress, Verbose: cfg.Verbose})
	if err != nil {
		return nil, err
	}
	if cfg.OnSubmitted != nil {
		cfg.OnSubmitted(app)
	}
	if !opts.Wait {
		return &Outcome{ID: app.ID, Submitted: true}, nil
	}
	s := &session{cl: cl, app: app, opts: opts, cfg: cfg}
	cluster := (opts.DeployMode == "cluster" || opts.Tasks != "" || opts.App == "") && cfg.Driver == nil
	w := newWatcher(cfg, app, app.amDriver && !cfg.Quiet)
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go w.run(wctx)
	s.cfg.OnReport = func(r *Report) {
		if cfg.OnReport != nil {
			cfg.OnReport(r)
		}
		w.onReport(r)
	}
	var out *Outcome
	if cluster {
		rep, ferr := cl.Follow(ctx, app.ID, nil, s.onReport())
		out, err = s.end(ctx, rep, ferr)
		if out != nil && out.Report != nil {
			if code, ok := spec.ParseDriverExit(out.Report.Diagnostics); ok {
				out.Driver = &DriverResult{ExitCode: code, Diagnostics: out.Report.Diagnostics}
			}
		}
	} else {
		out, err = s.clientMode(ctx)
	}
	if out != nil && out.Report != nil && out.Report.Terminal() && !out.Interrupted {
		s.finishLive(context.WithoutCancel(ctx), w, out)
	}
	return out, err
}

// clientMode waits for the AM, runs the driver here and follows the
// application to its end (the AM unregisters with the driver's outcome).
func (s *session) clientMode(ctx context.Context) (*Outcome, error) {
	onReport := s.onReport()
	env, rep, err := s.cl.waitForAM(ctx, s.app, onReport)
	if err != nil {
		return s.end(ctx, rep, err)
	}
	pctx, stopProxy := context.WithCancel(context.WithoutCancel(ctx))
	defer stopProxy()
	if env.AMURL, err = s.followAM(pctx, env.AMURL); err != nil {
		return s.end(ctx, rep, err)
	}
	env.AMPubKeySHA256 = "" // the driver talks plain HTTP to the local proxy, which pins the AM's key
	ended, diag, stopWatch := s.watchEnd(ctx)
	res := runDriver(ctx, driverRun{env: env, opts: s.opts, cfg: s.cfg, heartbeat: heartbeatInterval(s.opts),
		appEnded: s.appEnded, appDone: ended, appDiag: diag})
	stopWatch()
	if ctx.Err() != nil && !res.Reported {
		out, err := s.end(ctx, rep, ctx.Err())
		out.Driver = &res
		return out, err
	}
	// A bounded wait for the end the AM reports, whatever ctx does now.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	rep, err = s.cl.Follow(fctx, s.app.ID, nil, onReport)
	out, err := s.end(fctx, rep, err)
	out.Driver = &res
	out.Interrupted = ctx.Err() != nil
	if res.ExitCode != 0 {
		err = nil // the driver's failure is the news
	}
	return out, err
}

// end closes the session with the last report: when ctx has ended (an
// interrupt) it kills the application first; it deletes the staging
// directory once YARN reports the application ended, and never before.
func (s *session) end(ctx context.Context, rep *Report, err error) (*Outcome, error) {
	out := &Outcome{ID: s.app.ID, Report: rep}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if ctx.Err() != nil {
		out.Interrupted, err = true, nil
		s.cfg.Log.Warnf("interrupted: killing %s", s.app.ID)
		killed, kerr := s.cl.killAndWait(cctx, s.app.ID, "killed by the user (spindle was interrupted)", s.cfg.OnReport)
		if kerr != nil {
			s.cfg.Log.WithError(kerr).Errorf("could not kill %s", s.app.ID)
		}
		if killed != nil {
			out.Report = killed
		}
	}
	if out.Report != nil && out.Report.Terminal() {
		out.Succeeded, out.Diagnostics = out.Report.Succeeded(), out.Report.Diagnostics
		if rerr := secure.RenewalRejected(out.Report.Diagnostics, s.app.renewer); rerr != nil && !out.Succeeded {
			err = rerr
		}
		if cerr := s.cl.deleteStaging(cctx, s.app.StagingDir); cerr != nil {
			s.cfg.Log.WithError(cerr).Warnf("could not delete the staging directory %s", s.app.StagingDir)
		}
	}
	if err != nil {
		return out, fmt.Errorf("follow %s: %w", s.app.ID, err)
	}
	return out, nil
}

// appEnded returns an error saying how the application ended once YARN
// reports it ended, else nil.
func (s *session) appEnded(ctx context.Context) error {
	r, err := s.cl.Report(ctx, s.app.ID)
	var nf *ipc.ApplicationNotFoundError
	if errors.As(err, &nf) {
		return fmt.Errorf("the ResourceManager no longer knows %s", s.app.ID)
	}
	if err != nil || !r.Terminal() {
		return nil
	}
	msg := fmt.Sprintf("%s ended %s/%s on the cluster", s.app.ID, r.State, r.FinalStatus)
	if r.Diagnostics != "" {
		msg += " (" + firstLine(r.Diagnostics) + ")"
	}
	return errors.New(msg)
}

// endPoll is how often a client-mode session asks YARN whether the
// application has ended without the driver.
const endPoll = 2 * time.Second

// watchEnd watches, while the driver runs here, for the application ending
// on the cluster without it (spindle kill, yarn application -kill, the AM
// failed, the RM lost it): the returned channel is then closed, and diag
// says how it ended. stop ends the watch.
func (s *session) watchEnd(ctx context.Context) (ended <-chan struct{}, diag func() string, stop func()) {
	done := make(chan struct{})
	quit := make(chan struct{})
	var why string
	go func() {
		t := time.NewTicker(endPoll)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rctx, cancel := context.WithTimeout(ctx, endPoll*5)
			err := s.appEnded(rctx)
			cancel()
			if err == nil {
				continue
			}
			why = fmt.Sprintf("%v: stopping the driver", err)
			s.cfg.Log.Warn(why)
			close(done)
			return
		}
	}()
	var once sync.Once
	return done, func() string { return why }, func() { once.Do(func() { close(quit) }) }
}

// heartbeatInterval is how often a client-mode driver tells the AM it is
// alive: a sixth of the AM's patience, between 1 and 10 seconds.
func heartbeatInterval(o *Options) time.Duration {
	return min(max(o.DriverTimeout/6, time.Second), 10*time.Second)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
