package am

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/am/httpapi"
	"github.com/spindle-yarn/spindle/am/workqueue"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/launch"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// result is how the application ends.
type result struct {
	status      yarnpb.FinalApplicationStatusProto
	diagnostics string
}

func succeeded(diag string) result {
	return result{yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED, diag}
}
func failed(diag string) result { return result{yarnpb.FinalApplicationStatusProto_APP_FAILED, diag} }

// launcher starts and stops executor processes: YARN containers (allocator) or
// local processes (localLauncher).
type launcher interface {
	// Wake makes the launcher act on a changed target now.
	Wake()
	// stop stops the given executors within ctx.
	stop(ctx context.Context, execs []*executor)
}

// master is what every ApplicationMaster shares, on YARN (attempt) and in
// local mode (Local): the executor table, the API backend and the outcome.
type master struct {
	spec      *spec.App
	log       *logrus.Entry
	secret    string
	host      string // where the HTTP API listens
	amURL     string
	alloc     launcher
	api       *httpapi.Server // set by serveAPI
	pool      *pool
	creds     *credentialSet // the AM's, the driver's and the executors' credentials (nil in local mode)
	cleanup   func(ctx context.Context) error
	transport apiTransport // the API's port range and TLS identity (none in local mode)
	// beforeServe, when set, runs once the API exists but before it listens:
	// a new attempt restores the previous one's key-value store there.
	beforeServe func()

	once sync.Once
	done chan result

	hbMu          sync.Mutex
	lastHeartbeat time.Time

	stateMu sync.Mutex
	state   string

	// What the application looks like live (am/live.go).
	events       *eventLog
	output       *outputRing    // the cluster-mode driver's output; nil without one
	logs         *containerLogs // running containers' stdout and stderr for followers; nil in local mode
	startedAt    time.Time
	attemptNo    int
	maxAttempts  int
	amContainer  string
	driverLogURL string
	queue        *workqueue.Queue // the work queue (see tasks.go)
	scaler       *scaler          // dynamic allocation; nil when off
	scales       scaleLog         // dynamic allocation's decisions
}

func (m *master) finish(r result) {
	m.once.Do(func() { m.done <- r })
}

func (m *master) setState(s string) {
	m.stateMu.Lock()
	m.state = s
	m.stateMu.Unlock()
}

// App implements httpapi.Backend.
func (m *master) App() container.AppInfo {
	m.stateMu.Lock()
	defer m.stateMu.Unlock()
	return container.AppInfo{ID: m.spec.ID, Name: m.spec.Name, Mode: string(m.spec.Mode),
		State: m.state, TargetExecutors: m.pool.Target(), Live: m.liveInfo(), Tasks: m.queueCounts(), DynamicAllocation: m.scaler != nil}
}

// Executors implements httpapi.Backend.
func (m *master) Executors() []container.ExecutorInfo { return m.withActivity(m.pool.Infos()) }

// Scale implements httpapi.Backend.
func (m *master) Scale(n int) error {
	if n < 0 {
		return fmt.Errorf("executors must be >= 0, not %d", n)
	}
	if m.scaler != nil {
		return fmt.Errorf("dynamic allocation scales the executors (spindle.dynamicAllocation.enabled=true): set its minExecutors and maxExecutors instead")
	}
	stop := m.pool.SetTarget(n)
	m.log.Infof("scaling to %d executors", n)
	if len(stop) > 0 {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			m.alloc.stop(ctx, stop)
		}()
	}
	m.alloc.Wake()
	return nil
}

// DriverHeartbeat implements httpapi.Backend.
func (m *master) DriverHeartbeat() {
	m.hbMu.Lock()
	m.lastHeartbeat = time.Now()
	m.hbMu.Unlock()
}

// DriverFinished implements httpapi.Backend.
func (m *master) DriverFinished(f container.DriverFinish) {
	if f.ExitCode == 0 {
		m.finish(succeeded(orDefault(f.Diagnostics, "the driver exited 0")))
		return
	}
	m.finish(failed(orDefault(f.Diagnostics, fmt.Sprintf("the driver exited with code %d", f.ExitCode))))
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// executorLaunchContext is what every executor container gets.
func (m *master) executorLaunchContext(e *executor) (*yarnpb.ContainerLaunchContextProto, error) {
	role := container.Env{Role: container.RoleExecutor, AppID: m.spec.ID, ExecutorID: strconv.Itoa(e.id), AMURL: m.amURL,
		AMPubKeySHA256: m.transport.pin}
	env := spec.RoleEnv(nil, spec.ContainerPWD, role) // the user's variables travel in the launch file
	if m.spec.StagingDir != "" {                      // the launcher follows the AM across attempts (see spec.EnvAMAddressFile)
		env[spec.EnvAMAddressFile] = spec.AddressFileURI(m.spec.StagingDir)
		env[spec.EnvHadoopUser] = m.spec.User
	}
	if m.spec.Kerberos.Refreshes() {
		env[spec.EnvCredentialsRefresh] = "1"
	}
	c := launch.Context{Resources: m.spec.Resources, Env: env, Command: spec.ExecutorCommand(), Tokens: m.creds.executorTokens()}
	return c.Proto()
}

// serveAPI starts the HTTP API on the host, on a port of m.api's range (any
// port by default) and over TLS when m.api has a certificate, and returns its URL.
func (m *master) serveAPI(ctx context.Context, wg *sync.WaitGroup) (string, error) {
	srv, err := httpapi.New(m.secret, m, m.tasksOption())
	if err != nil {
		return "", fmt.Errorf("start AM HTTP API: %w", err)
	}
	m.api = srv
	if m.beforeServe != nil {
		m.beforeServe() // no request may see the API before it is ready
	}
	ln, err := m.transport.ports.Listen(ctx, m.host)
	if err != nil {
		return "", fmt.Errorf("start AM HTTP API (spindle.am.port=%s): %w", m.transport.ports, err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := m.transport.serve(ctx, srv, ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.WithError(err).Warn("AM HTTP API stopped")
		}
	}()
	return m.transport.scheme() + "://" + ln.Addr().String(), nil
}

// watchDriver fails the application when a client-mode driver stops sending heartbeats.
func (m *master) watchDriver(ctx context.Context) {
	timeout := time.Duration(m.spec.DriverTimeout)
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	m.DriverHeartbeat() // the clock starts when the AM is up
	t := time.NewTicker(min(time.Second, timeout/4))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.hbMu.Lock()
			silent := time.Since(m.lastHeartbeat)
			m.hbMu.Unlock()
			if silent > timeout {
				m.finish(failed(fmt.Sprintf("the driver disconnected: no heartbeat from the client-mode driver for %s (spindle.driver.timeout=%s)", silent.Round(time.Second), timeout)))
				return
			}
		}
	}
}

// watchExecutorsOnly ends an application that has no driver once every executor is done.
func (m *master) watchExecutorsOnly(ctx context.Context) {
	for {
		ch := m.pool.Changed()
		if done, _ := m.pool.AllDone(); done {
			m.finish(succeeded(fmt.Sprintf("all %d executors completed", m.pool.Succeeded())))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-ch:
		}
	}
}

// shutdown stops executors, unregisters and cleans up.
func (m *master) shutdown(r result, sched scheduler, trackingURL string) error {
	m.setState("finishing")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if live := m.pool.StopAll(); len(live) > 0 {
		sctx, scancel := context.WithTimeout(ctx, 15*time.Second)
		m.log.Infof("stopping %d executors", len(live))
		m.alloc.stop(sctx, live)
		scancel()
	}
	m.log.Infof("unregistering: %s: %s", r.status, r.diagnostics)
	if err := sched.Finish(ctx, r.status, r.diagnostics, trackingURL); err != nil {
		return fmt.Errorf("unregister from the ResourceManager: %w", err)
	}
	// Unregistered: YARN makes no further attempt, so this is the last one.
	if m.cleanup != nil {
		if err := m.cleanup(ctx); err != nil {
			m.log.WithError(err).Warn("could not delete the staging directory")
		}
	}
	return nil
}
