package am

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/proc"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// LocalOptions configure a local-mode application: the AM's API served in this
// process, executors as local processes, and no Hadoop at all.
type LocalOptions struct {
	// Name is the application name.
	Name string
	// Executors is the number of executor processes.
	Executors int
	// ExecutorCommand is what each executor runs, relative to its working directory.
	ExecutorCommand []string
	// Env is extra environment for the executors.
	Env map[string]string
	// Files are linked into every executor's working directory: local paths with an
	// optional #alias, as with --files. Archives are extracted there.
	Files, Archives []string
	// MaxExecutorFailures is the failure budget; 0 means max(3, 2 x executors).
	MaxExecutorFailures int
	// WorkDir holds a working directory per executor; it is created when empty and
	// removed when the application ends.
	WorkDir string
	// Output receives the executors' output, each line prefixed with the executor id.
	Output io.Writer
	// Log receives the local AM's log lines.
	Log *logrus.Logger
	// DynamicAllocation holds spindle.dynamicAllocation.* keys; dynamic
	// allocation is on when it says enabled=true.
	DynamicAllocation map[string]string
	// Tasks, when set, makes the application a job array: the path of a
	// file with one task per line, which the local AM enqueues and whose
	// outcome ends the application (there is no driver). ExecutorCommand
	// must then be the task launcher (`spindle executor --tasks -- CMD`).
	Tasks string
	// Supervisor is the spindle binary that runs each executor under
	// `spindle supervise` (Linux), so that nothing an executor starts outlives
	// it, its stop, or this process; empty: executors get a process group of
	// their own instead.
	Supervisor string
}

// Local is a running local-mode application.
type Local struct {
	m       *master
	l       *localLauncher
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	done    chan struct{}
	result  result
	workDir string
	ownsDir bool
}

// StartLocal starts a local-mode application: the AM API on 127.0.0.1 and the executors.
// The caller runs (or is) the driver, using DriverEnv, and calls Finish with its outcome.
func StartLocal(ctx context.Context, o LocalOptions) (*Local, error) {
	if o.Log == nil {
		o.Log = logrus.New()
	}
	if o.Output == nil {
		o.Output = os.Stderr
	}
	secret, err := spec.NewSecret()
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("local-%d", time.Now().UnixMilli())
	app := &spec.App{ID: id, Name: o.Name, Mode: spec.ModeLocal, NumExecutors: o.Executors,
		DynamicAllocation: o.DynamicAllocation, Tasks: o.Tasks}
	maxFailures := o.MaxExecutorFailures
	if maxFailures <= 0 {
		maxFailures = defaultFailureBudget(o.Executors)
	}
	lc := &Local{done: make(chan struct{}), workDir: o.WorkDir}
	if lc.workDir == "" {
		if lc.workDir, err = os.MkdirTemp("", "spindle-"+id+"-"); err != nil {
			return nil, fmt.Errorf("create local work directory: %w", err)
		}
		lc.ownsDir = true
	}
	entry := o.Log.WithField("app", id)
	m := &master{spec: app, log: entry, secret: secret, host: "127.0.0.1",
		pool: newPool(o.Executors, maxFailures, 0), done: make(chan result, 1), state: "running"}
	l := &localLauncher{pool: m.pool, opts: o, log: entry, root: lc.workDir, wake: make(chan struct{}, 1),
		procs: map[string]*exec.Cmd{}, secret: spec.ExecutorSecret(secret), appID: id}
	m.alloc = l
	lc.m, lc.l = m, l
	if err := m.initTasks(); err != nil {
		lc.removeWorkDir()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	lc.cancel = cancel
	if m.amURL, err = m.serveAPI(runCtx, &lc.wg); err != nil {
		cancel()
		lc.removeWorkDir()
		return nil, err
	}
	l.amURL = m.amURL
	launchCtx, stopLaunching := context.WithCancel(runCtx)
	launchDone := make(chan struct{})
	go func() {
		defer close(launchDone)
		if err := l.run(launchCtx); err != nil {
			m.finish(failed(err.Error()))
		}
	}()
	go m.runScaler(launchCtx)
	if o.Tasks != "" {
		go m.runTasks(launchCtx, o.Tasks)
	}
	go func() {
		var r result
		select {
		case r = <-m.done:
		case <-ctx.Done():
			r = failed("interrupted")
		}
		m.setState("finishing")
		stopLaunching() // no executor may start once the stop has begun
		<-launchDone
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		l.stop(sctx, m.pool.StopAll())
		scancel()
		l.waitAll()
		m.closeQueue()
		cancel()
		lc.wg.Wait()
		lc.removeWorkDir()
		lc.result = r
		close(lc.done)
	}()
	return lc, nil
}

// DriverEnv is the environment contract for the driver of this application.
func (lc *Local) DriverEnv() container.Env {
	return container.Env{Role: container.RoleDriver, AppID: lc.m.spec.ID, AMURL: lc.m.amURL, Secret: lc.m.secret}
}

// Finish ends the application with the driver's outcome.
func (lc *Local) Finish(exitCode int, diagnostics string) {
	lc.m.DriverFinished(container.DriverFinish{ExitCode: exitCode, Diagnostics: diagnostics})
}

// Done is closed when the application has ended and its executors are stopped.
func (lc *Local) Done() <-chan struct{} { return lc.done }

// Wait waits for the end and returns nil when the application succeeded, else an
// error carrying the diagnostics.
func (lc *Local) Wait() error {
	<-lc.done
	if lc.result.status == succeeded("").status {
		return nil
	}
	return errors.New(lc.result.diagnostics)
}

// Diagnostics says how the application ended (after Done).
func (lc *Local) Diagnostics() string { return lc.result.diagnostics }

func (lc *Local) removeWorkDir() {
	if lc.ownsDir {
		_ = os.RemoveAll(lc.workDir)
	}
}

// localLauncher runs executors as local processes.
type localLauncher struct {
	pool   *pool
	opts   LocalOptions
	log    *logrus.Entry
	root   string
	secret string
	appID  string
	amURL  string
	wake   chan struct{}

	mu    sync.Mutex
	seq   int
	procs map[string]*exec.Cmd
	wg    sync.WaitGroup
}

func (l *localLauncher) Wake() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *localLauncher) run(ctx context.Context) error {
	for {
		for n := l.pool.Wanted(); n > 0 && ctx.Err() == nil; n-- {
			if err := l.pool.BudgetExceeded(); err != nil {
				return err // no replacement once the budget is spent
			}
			l.mu.Lock()
			l.seq++
			cid := fmt.Sprintf("%s_%06d", l.appID, l.seq)
			l.mu.Unlock()
			e := l.pool.Assign(cid, "localhost", "localhost", "")
			if e == nil {
				break
			}
			if err := l.start(e); err != nil {
				l.log.WithError(err).Warnf("executor %d could not be started", e.id)
				l.pool.LaunchFailed(cid, err)
			}
		}
		if err := l.pool.BudgetExceeded(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-l.wake:
		case <-time.After(time.Second):
		}
	}
}

// start launches executor e in its own working directory.
func (l *localLauncher) start(e *executor) error {
	dir := filepath.Join(l.root, "executor-"+strconv.Itoa(e.id))
	if err := prepareWorkDir(dir, l.opts.Files, l.opts.Archives); err != nil {
		return err
	}
	cmd := l.command(dir)
	eenv := container.Env{Role: container.RoleExecutor, AppID: l.appID, ExecutorID: strconv.Itoa(e.id), AMURL: l.amURL, Secret: l.secret}
	cmd.Env = proc.Environ(os.Environ(), spec.RoleEnv(l.opts.Env, "", eenv))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", l.opts.ExecutorCommand[0], err)
	}
	l.mu.Lock()
	l.procs[e.containerID] = cmd
	l.mu.Unlock()
	l.pool.Running(e.containerID)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		prefixLines(l.opts.Output, fmt.Sprintf("[executor %d] ", e.id), out)
		exit := proc.ExitOf(cmd.Wait())
		status, diag := exit.Code, ""
		if exit.Signal != 0 || exit.Err != nil {
			diag = exit.Describe("the executor")
		}
		l.mu.Lock()
		delete(l.procs, e.containerID)
		l.mu.Unlock()
		if ex, outc, why := l.pool.Completed(e.containerID, status, diag); ex != nil && why != "" {
			l.pool.ended(ex, outc)
			if outc == outcomeFailed {
				l.log.Warnf("executor %d %s", e.id, why)
			} else {
				l.log.Debugf("executor %d %s", e.id, why)
			}
		}
		l.Wake()
	}()
	return nil
}

// command is the command of an executor working in dir: under the
// supervisor, or in a process group of its own.
func (l *localLauncher) command(dir string) *exec.Cmd {
	args := l.opts.ExecutorCommand
	var cmd *exec.Cmd
	if l.supervised() {
		cmd = exec.Command(l.opts.Supervisor, proc.SupervisorArgs(proc.StopGrace, args)...)
		proc.DieWithParent(cmd)
	} else {
		cmd = exec.Command(args[0], args[1:]...)
		if filepath.Base(cmd.Path) != cmd.Path && !filepath.IsAbs(cmd.Path) { // "./app": resolve in dir
			cmd.Path = filepath.Join(dir, args[0])
		}
		proc.OwnGroup(cmd)
	}
	cmd.Dir = dir
	return cmd
}

func (l *localLauncher) supervised() bool { return l.opts.Supervisor != "" && proc.CanSupervise() }

// signal sends SIGTERM (kill false) or SIGKILL to an executor: to its
// supervisor, which passes it on, or to its process group.
func (l *localLauncher) signal(cmd *exec.Cmd, kill bool) {
	if !l.supervised() {
		proc.SignalGroup(cmd.Process.Pid, kill)
		return
	}
	if kill {
		_ = cmd.Process.Kill() // the executor dies of its parent-death signal
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
}

func (l *localLauncher) stop(ctx context.Context, execs []*executor) {
	for _, e := range execs {
		l.mu.Lock()
		cmd := l.procs[e.containerID]
		l.mu.Unlock()
		if cmd != nil && cmd.Process != nil {
			l.signal(cmd, false)
		}
	}
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		l.mu.Lock()
		for _, cmd := range l.procs {
			l.signal(cmd, true)
		}
		l.mu.Unlock()
	}
}

func (l *localLauncher) waitAll() { l.wg.Wait() }

// prefixLines copies r to w line by line, each line prefixed.
func prefixLines(w io.Writer, prefix string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fmt.Fprintf(w, "%s%s\n", prefix, sc.Text())
	}
	_, _ = io.Copy(io.Discard, r)
}
