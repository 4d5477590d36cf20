package am

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/amtls"
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
	// Supervisor is the spindle binary that runs the cluster-mode driver under
	// `spindle supervise`, so that nothing the driver starts outlives the AM;
	// empty runs the driver directly.
	Supervisor string
}

// Run is the ApplicationMaster: `spindle am`. It returns when the application has
// ended and the AM has unregistered, or with an error when it could not. An
// attempt that fails on its own (not stopped by YARN) deletes the staging
// directory when it is the last one: YARN makes no further attempt.
func Run(ctx context.Context, opts Options) error {
	a, err := newAttempt(opts)
	if err != nil {
		return err
	}
	defer a.ipc.Close()
	err = a.run(ctx)
	if err != nil && ctx.Err() == nil && a.last {
		a.deleteStaging()
	}
	return err
}

// attempt is one ApplicationMaster attempt on YARN: the master (executor
// table, API backend) plus what talks to YARN.
type attempt struct {
	*master
	opts  Options
	id    yarn.AttemptID
	last  bool // YARN makes no attempt after this one
	ipc   *ipc.Client
	sched *yarn.Scheduler
	loop  *allocator // the allocate loop (master.alloc)
	addrs []string   // the scheduler's
	conf  *hadoopconf.Conf
	state *stateStore // the staging directory's state files; nil when nothing was staged

	logDirs    []string    // the container's log directories (LOG_DIRS), for the summary
	stdoutFile *fileWriter // the container's stdout: the driver's
	stderrFile *fileWriter // the container's stderr: the AM's log and the driver's stderr
}

// newAttempt reads who and where the AM is (the spec, the container's
// identity, credentials and shipped configuration) and builds the attempt;
// it connects to nothing.
func newAttempt(opts Options) (*attempt, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	log := opts.Log
	if log == nil {
		log = logrus.New()
	}
	cid, err := yarn.ParseContainerID(getenv("CONTAINER_ID"))
	if err != nil {
		return nil, fmt.Errorf("read CONTAINER_ID (is this running in a YARN container?): %w", err)
	}
	host := getenv("NM_HOST")
	if host == "" {
		return nil, errors.New("NM_HOST is not set: not running in a YARN container")
	}
	amCreds, err := creds.ReadFile(getenv(creds.EnvTokenFile))
	if err != nil {
		return nil, fmt.Errorf("read the AM's credentials: %w", err)
	}
	app, err := readSpec(amCreds, opts.SpecPath)
	if err != nil {
		return nil, err
	}
	if err := spec.LinkNodeLocal(".", app.NodeLocal); err != nil {
		return nil, err
	}
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		return nil, fmt.Errorf("load the shipped Hadoop configuration: %w", err)
	}
	for k, v := range app.Recovery.HadoopConf {
		conf.Set(k, v)
	}
	a := &attempt{opts: opts, id: cid.Attempt, last: int(cid.Attempt.Attempt) >= maxAttempts(app, getenv), conf: conf}
	a.master = &master{spec: app, log: log.WithField("app", app.ID), host: host,
		pool: newPool(app.NumExecutors, failureBudget(app), app.Executor.MemoryMB), done: make(chan result, 1), state: "starting",
		events: newEventLog()}
	a.pool.events = a.events
	if app.AMRunsDriver() {
		a.output = newOutputRing() // from the start: a client may ask for it as soon as the API serves
	}
	a.setIdentity(cid, maxAttempts(app, getenv), net.JoinHostPort(host, getenv("NM_HTTP_PORT")), conf.WebAppScheme())
	a.logDirs = splitComma(getenv("LOG_DIRS"))
	a.stdoutFile = &fileWriter{w: os.Stdout}
	a.stderrFile = &fileWriter{w: log.Out}
	log.SetOutput(a.stderrFile)
	a.logs = openContainerLogs(newLogRelay(time.Now), a.stdoutFile, a.stderrFile)
	a.pool.onEnd = append(a.pool.onEnd, func(id string, _ bool) { a.logs.relay.ended(id) })
	if err := a.initTasks(); err != nil {
		return nil, err
	}
	if err := a.connect(conf, amCreds, getenv); err != nil {
		return nil, err
	}
	a.cleanup = stagingCleanup(conf, app, a.creds.current)
	return a, nil
}

// connect prepares the scheduler and NodeManager clients with the AM's tokens
// and the executors' credentials.
func (a *attempt) connect(conf *hadoopconf.Conf, amCreds *creds.Credentials, getenv func(string) string) error {
	amrm, ok := amCreds.FindToken(creds.AMRMTokenKind)
	if !ok {
		return fmt.Errorf("the AM's credentials hold no %s token", creds.AMRMTokenKind)
	}
	secret, ok := amCreds.Secret(spec.SecretAlias)
	if !ok || len(secret) == 0 {
		return fmt.Errorf("the AM's credentials hold no %q secret", spec.SecretAlias)
	}
	a.secret = string(secret)
	var err error
	if a.transport, err = newAPITransport(a.spec, amCreds); err != nil {
		return err
	}
	if a.creds, err = newCredentialSet(amCreds, a.secret); err != nil {
		return err
	}
	if a.addrs, err = conf.SchedulerAddresses(); err != nil {
		return err
	}
	if v := getenv(EnvSchedulerAddress); v != "" {
		a.addrs = splitComma(v)
	}
	policy, err := yarn.RetryPolicyFromConf(conf)
	if err != nil {
		return fmt.Errorf("the ResourceManager retry settings: %w", err)
	}
	a.ipc = ipc.NewClient(ipc.Config{User: a.spec.User, Protection: conf.Get("hadoop.rpc.protection")})
	nmTokens := &yarn.NMTokenCache{}
	a.sched, err = yarn.NewScheduler(a.ipc, a.addrs, &ipc.Token{Identifier: amrm.Identifier, Password: amrm.Password,
		Kind: amrm.Kind, Service: amrm.Service}, nmTokens, yarn.WithRetryPolicy(policy), yarn.WithObserver(a.rmObserver))
	if err != nil {
		a.ipc.Close()
		return err
	}
	a.loop = newAllocator(a.sched, yarnNMs{yarn.NewNodeManagers(a.ipc, nmTokens)}, a.pool, a.log)
	a.configureRecovery(conf)
	a.loop.user, a.loop.memory, a.loop.cores, a.loop.label = a.spec.User, a.spec.Executor.MemoryMB, a.spec.Executor.Cores, a.spec.Executor.NodeLabel
	a.loop.plan = newAskPlan(a.spec)
	a.loop.launchContext = a.executorLaunchContext
	a.loop.progress = a.progress
	a.alloc = a.loop
	return nil
}

// run is the attempt: serve the API, register, run the allocate loop and the
// driver (or watch for its heartbeats, or for the executors' end) until the
// application's outcome is known, then shut down and unregister with it.
func (a *attempt) run(ctx context.Context) error {
	apiCtx, stopAPI := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { a.closeQueue(); stopAPI(); wg.Wait() }()
	trackingURL, err := a.register(ctx, apiCtx, &wg)
	if err != nil {
		return err
	}
	loopCtx, stopLoop := context.WithCancel(ctx)
	defer stopLoop()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.loop.run(loopCtx); err != nil {
			a.finish(failed(err.Error()))
		}
	}()
	persisted := make(chan struct{})
	go func() {
		defer close(persisted)
		a.persist(loopCtx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.runScaler(loopCtx)
	}()
	a.startRefresher(loopCtx, &wg)
	stopDriver := a.superviseDriver(loopCtx)
	select {
	case r := <-a.done:
		stopDriver()
		stopLoop()
		a.loop.launches.Wait()
		<-persisted // no state write may race the staging directory's deletion
		return a.end(r, trackingURL)
	case <-ctx.Done(): // YARN is stopping us (the application was killed): no unregistering
		a.log.Warn("the ApplicationMaster was asked to stop")
		stopDriver()
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		a.loop.stop(cctx, a.pool.StopAll())
		return ctx.Err()
	}
}

// register serves the API (until apiCtx ends) and registers the attempt with
// the ResourceManager, with the API as its RPC port and tracking URL.
func (a *attempt) register(ctx, apiCtx context.Context, wg *sync.WaitGroup) (string, error) {
	var err error
	a.beforeServe = func() { a.restoreState(ctx) } // a client-mode driver reconnects at once
	if a.amURL, err = a.serveAPI(apiCtx, wg); err != nil {
		return "", err
	}
	u, err := url.Parse(a.amURL)
	if err != nil {
		return "", fmt.Errorf("AM API address %q: %w", a.amURL, err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return "", fmt.Errorf("AM API address %q: %w", a.amURL, err)
	}
	trackingURL := a.transport.trackingURL(u.Host)
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	reg, err := a.sched.Register(rctx, a.host, int32(port), trackingURL)
	if err != nil {
		return "", fmt.Errorf("register with the ResourceManager at %v: %w", a.addrs, err)
	}
	a.log.Infof("registered attempt %s; API at %s; max container %d MB / %d vcores", a.id, a.amURL,
		reg.GetMaximumCapability().GetMemory(), reg.GetMaximumCapability().GetVirtualCores())
	a.adoptContainers(reg)
	a.publishAddress(ctx)
	a.setState("running")
	a.events.add(container.Event{Type: container.EventAttemptStarted, Container: a.amContainer, Host: a.host,
		Message: fmt.Sprintf("attempt %d of %d started in %s on %s", a.attemptNo, a.maxAttempts, a.amContainer, a.host)})
	return trackingURL, nil
}

// superviseDriver starts what decides the outcome besides failures: the
// cluster-mode driver, the watch on a client-mode driver's heartbeats, or the
// watch for an executors-only application's end. It returns the function that
// stops the driver (a no-op for the watches, which end with ctx).
func (a *attempt) superviseDriver(ctx context.Context) (stop func()) {
	switch {
	case a.spec.AMRunsDriver():
		return a.startDriver()
	case a.spec.Tasks != "":
		go a.runTasks(ctx, a.spec.Tasks)
	case a.spec.Mode == spec.ModeClient:
		go a.watchDriver(ctx)
	default:
		go a.watchExecutorsOnly(ctx)
	}
	return func() {}
}

func (a *attempt) getenv(k string) string {
	if a.opts.Getenv != nil {
		return a.opts.Getenv(k)
	}
	return os.Getenv(k)
}

// deleteStaging deletes the staging directory after a failed last attempt.
func (a *attempt) deleteStaging() {
	if a.cleanup == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.cleanup(ctx); err != nil {
		a.log.WithError(err).Warn("could not delete the staging directory")
	}
}

// readSpec reads the application spec from the AM's credentials, where
// the client puts it, or else from the file at path.
func readSpec(amCreds *creds.Credentials, path string) (*spec.App, error) {
	if b, ok := amCreds.Secret(spec.SpecSecretAlias); ok {
		return spec.Parse(b, "in the credentials")
	}
	return spec.Read(path)
}

// maxAttempts is how many attempts YARN makes: MAX_APP_ATTEMPTS, which the RM
// sets in the AM's environment, or the client's view from the spec.
func maxAttempts(app *spec.App, getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("MAX_APP_ATTEMPTS")); err == nil && n > 0 {
		return n
	}
	return app.MaxAttempts
}

// failureBudget is the spec's executor failure budget, or the default.
func failureBudget(app *spec.App) int {
	if app.MaxExecutorFailures > 0 {
		return app.MaxExecutorFailures
	}
	return defaultFailureBudget(max(app.NumExecutors, dynamicMaxExecutors(app.DynamicAllocation)))
}

// driverResult turns the driver's exit into the application's outcome, its
// diagnostics ending with the exit code for the client (spec.DriverExitMarker).
func driverResult(e proc.Exit) result {
	diag := e.Describe("the driver") + " " + spec.DriverExitMarker(e.Code)
	if e.Code == 0 {
		return succeeded(diag)
	}
	return failed(diag)
}

// stagingCleanup returns the function that deletes the application's
// staging directory: as the application's user, or on a secured cluster
// with the newest HDFS delegation token of the AM's credentials (current).
func stagingCleanup(conf *hadoopconf.Conf, app *spec.App, current func() *creds.Credentials) func(context.Context) error {
	if app.StagingDir == "" {
		return nil
	}
	return func(ctx context.Context) error {
		u, err := url.Parse(app.StagingDir)
		if err != nil {
			return err
		}
		fsys, err := staging.OpenAs(ctx, conf, u, stagingAuth(app, current))
		if err != nil {
			return err
		}
		defer fsys.Close()
		return staging.Cleanup(ctx, fsys, u.Path)
	}
}

// stagingAuth is how the AM and executors reach the staging directory: as
// the application's user, or on a secured cluster with the HDFS delegation
// token of the newest credentials (current).
func stagingAuth(app *spec.App, current func() *creds.Credentials) staging.Auth {
	if app.Kerberos != nil {
		return staging.Auth{Tokens: current}
	}
	return staging.Auth{User: app.User}
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, p)
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
	c.RemoveSecret(spec.SpecSecretAlias)
	amtls.RemoveFrom(c) // the AM's private key stays with the AM
	c.AddSecret(spec.ExecutorSecretAlias, []byte(spec.ExecutorSecret(appSecret)))
	b, err := c.Marshal(creds.FormatWritable)
	if err != nil {
		return nil, fmt.Errorf("write executor credentials: %w", err)
	}
	return b, nil
}
