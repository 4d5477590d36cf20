package am

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/proc"
	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/staging"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// Environment the client sets for the AM container, besides what YARN sets.
const (
	// EnvSchedulerAddress overrides the scheduler address(es) from the shipped
	// configuration (comma-separated, in HA order).
	EnvSchedulerAddress = "SPINDLE_SCHEDULER_ADDRESS"
)

// Options configure Run.
type Options struct {
	// SpecPath is the application spec the client shipped.
	SpecPath string
	// Log receives the AM's own log lines (the driver's output goes to the container's stdout/stderr).
	Log *logrus.Logger
	// Getenv reads the container environment (default os.Getenv).
	Getenv func(string) string
}

// Run is the ApplicationMaster: `spindle am`. It returns when the application has
// ended and the AM has unregistered, or with an error when it could not.
func Run(ctx context.Context, opts Options) (err error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	log := opts.Log
	if log == nil {
		log = logrus.New()
	}
	app, err := spec.Read(opts.SpecPath)
	if err != nil {
		return err
	}
	entry := log.WithField("app", app.ID)

	// Who we are: the attempt id is inside our container id.
	cid, err := yarn.ParseContainerID(getenv("CONTAINER_ID"))
	if err != nil {
		return fmt.Errorf("read CONTAINER_ID (is this running in a YARN container?): %w", err)
	}
	attempt := cid.Attempt
	host := getenv("NM_HOST")
	if host == "" {
		return errors.New("NM_HOST is not set: not running in a YARN container")
	}

	amCreds, err := creds.ReadFile(getenv(creds.EnvTokenFile))
	if err != nil {
		return fmt.Errorf("read the AM's credentials: %w", err)
	}
	amrm, ok := amCreds.FindToken(creds.AMRMTokenKind)
	if !ok {
		return fmt.Errorf("the AM's credentials hold no %s token", creds.AMRMTokenKind)
	}
	secret, ok := amCreds.Secret(spec.SecretAlias)
	if !ok || len(secret) == 0 {
		return fmt.Errorf("the AM's credentials hold no %q secret", spec.SecretAlias)
	}
	execTokens, err := executorCredentials(amCreds, string(secret))
	if err != nil {
		return err
	}

	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		return fmt.Errorf("load the shipped Hadoop configuration: %w", err)
	}
	addrs, err := conf.SchedulerAddresses()
	if err != nil {
		return err
	}
	if v := getenv(EnvSchedulerAddress); v != "" {
		addrs = splitComma(v)
	}
	ipcClient := ipc.NewClient(ipc.Config{User: app.User, Protection: conf.Get("hadoop.rpc.protection")})
	defer ipcClient.Close()
	nmTokens := &yarn.NMTokenCache{}
	sched, err := yarn.NewScheduler(ipcClient, addrs, &ipc.Token{Identifier: amrm.Identifier, Password: amrm.Password,
		Kind: amrm.Kind, Service: amrm.Service}, nmTokens)
	if err != nil {
		return err
	}

	maxFailures := app.MaxExecutorFailures
	if maxFailures <= 0 {
		maxFailures = defaultFailureBudget(app.NumExecutors)
	}
	m := &master{spec: app, log: entry, secret: string(secret), host: host, tokens: execTokens,
		pool: newPool(app.NumExecutors, maxFailures, app.Executor.MemoryMB), done: make(chan result, 1), state: "starting"}
	alloc := newAllocator(sched, yarnNMs{yarn.NewNodeManagers(ipcClient, nmTokens)}, m.pool, entry)
	alloc.user, alloc.memory, alloc.cores, alloc.label = app.User, app.Executor.MemoryMB, app.Executor.Cores, app.Executor.NodeLabel
	alloc.launchContext = m.executorLaunchContext
	m.alloc = alloc
	m.cleanup = stagingCleanup(conf, app)
	// YARN makes no further attempt after the last one: whatever ends it must not leave
	// the staging directory behind. (MAX_APP_ATTEMPTS is set by the RM in the AM's
	// environment; the spec carries the client's view as a fallback.)
	maxAttempts := app.MaxAttempts
	if n, err := strconv.Atoi(getenv("MAX_APP_ATTEMPTS")); err == nil && n > 0 {
		maxAttempts = n
	}
	defer func() {
		if err != nil && ctx.Err() == nil && int(attempt.Attempt) >= maxAttempts && m.cleanup != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if cerr := m.cleanup(cctx); cerr != nil {
				entry.WithError(cerr).Warn("could not delete the staging directory")
			}
		}
	}()

	apiCtx, stopAPI := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stopAPI(); wg.Wait() }()
	if m.amURL, err = m.serveAPI(apiCtx, &wg); err != nil {
		return err
	}
	trackingURL := m.amURL + "/"
	u, err := url.Parse(m.amURL)
	if err != nil {
		return fmt.Errorf("AM API address %q: %w", m.amURL, err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return fmt.Errorf("AM API address %q: %w", m.amURL, err)
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	reg, err := sched.Register(rctx, host, int32(port), trackingURL)
	cancel()
	if err != nil {
		return fmt.Errorf("register with the ResourceManager at %v: %w", addrs, err)
	}
	entry.Infof("registered attempt %s; API at %s; max container %d MB / %d vcores", attempt, m.amURL,
		reg.GetMaximumCapability().GetMemory(), reg.GetMaximumCapability().GetVirtualCores())
	m.setState("running")

	loopCtx, stopLoop := context.WithCancel(ctx)
	defer stopLoop()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := alloc.run(loopCtx); err != nil {
			m.finish(failed(err.Error()))
		}
	}()

	var driver *exec.Cmd
	switch {
	case app.Mode == spec.ModeClient:
		go m.watchDriver(loopCtx)
	case len(app.Driver.Command) == 0:
		go m.watchExecutorsOnly(loopCtx)
	default:
		if driver, err = m.startDriver(getenv); err != nil {
			m.finish(failed(err.Error()))
		} else {
			go func() { m.finish(driverResult(driver.Wait())) }()
		}
	}

	var r result
	select {
	case r = <-m.done:
	case <-ctx.Done():
		// YARN is stopping us (the application was killed): no unregistering.
		entry.Warn("the ApplicationMaster was asked to stop")
		stopProcess(driver)
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		m.alloc.stop(cctx, m.pool.StopAll())
		cancel()
		return ctx.Err()
	}
	stopProcess(driver)
	stopLoop()
	alloc.launches.Wait()
	return m.shutdown(r, sched, trackingURL)
}

// startDriver starts the cluster-mode driver as a child process.
func (m *master) startDriver(getenv func(string) string) (*exec.Cmd, error) {
	cmd := exec.Command(m.spec.Driver.Command[0], m.spec.Driver.Command[1:]...)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = os.Stdout, os.Stderr, nil
	role := container.Env{Role: container.RoleDriver, AppID: m.spec.ID, AMURL: m.amURL, Secret: m.secret}
	cmd.Env = proc.Environ(os.Environ(), spec.RoleEnv(m.spec.Driver.Env, getenv("PWD"), role))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the driver %q: %w", m.spec.Driver.Command[0], err)
	}
	m.log.Infof("driver started: %s (pid %d)", m.spec.Driver.Command[0], cmd.Process.Pid)
	return cmd, nil
}

// driverResult turns the driver's exit into the application's outcome.
func driverResult(err error) result {
	e := proc.ExitOf(err)
	if e.Code == 0 {
		return succeeded(e.Describe("the driver"))
	}
	return failed(e.Describe("the driver"))
}

// stopProcess ends a driver that is still running: SIGTERM to its process group,
// then SIGKILL after a grace period.
func stopProcess(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	pgid := -cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pgid, 0); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(pgid, syscall.SIGKILL)
}

// stagingCleanup returns the function that deletes the application's staging directory.
func stagingCleanup(conf *hadoopconf.Conf, app *spec.App) func(context.Context) error {
	if app.StagingDir == "" {
		return nil
	}
	return func(ctx context.Context) error {
		u, err := url.Parse(app.StagingDir)
		if err != nil {
			return err
		}
		fsys, err := staging.Open(ctx, conf, u, app.User)
		if err != nil {
			return err
		}
		defer fsys.Close()
		return staging.Cleanup(ctx, fsys, u.Path)
	}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// executorCredentials are the AM's credentials as executor containers get them:
// without the AMRM token (executors must not talk to the RM as the AM) and with
// the executors' secret in place of the application's, so that an executor can
// neither end the application nor speak for the driver.
func executorCredentials(amCreds *creds.Credentials, appSecret string) ([]byte, error) {
	c := amCreds.Clone()
	c.RemoveTokensOfKind(creds.AMRMTokenKind)
	c.RemoveSecret(spec.SecretAlias)
	c.AddSecret(spec.ExecutorSecretAlias, []byte(spec.ExecutorSecret(appSecret)))
	b, err := c.Marshal(creds.FormatWritable)
	if err != nil {
		return nil, fmt.Errorf("write executor credentials: %w", err)
	}
	return b, nil
}
