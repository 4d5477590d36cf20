package am

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
	"google.golang.org/protobuf/proto"
)

// Heartbeat intervals: fast while containers are wanted or launching, then backing
// off to idle. Completions reach the RM with NodeManager heartbeats (1 s by
// default), so polling faster than that when idle gains nothing.
const (
	heartbeatFast = 200 * time.Millisecond
	heartbeatIdle = time.Second
	// maxAllocateErrors in a row end the AM. They are errors the RM's retry
	// policy does not retry (an unreachable RM is retried inside each call for
	// up to yarn.resourcemanager.connect.max-wait.ms; when that runs out the
	// AM ends at once).
	maxAllocateErrors = 3
	launchTimeout     = 2 * time.Minute
	executorPriority  = 1
)

// errRMShutdown is returned when the RM tells the AM to shut down.
var errRMShutdown = errors.New("the ResourceManager told the ApplicationMaster to shut down (it no longer knows this attempt)")

// allocator runs the heartbeat loop: it asks for executor containers, launches
// what YARN allocates, and records what completes.
type allocator struct {
	sched  scheduler
	nms    nodeManagers
	pool   *pool
	log    *logrus.Entry
	user   string
	memory int64
	cores  int32
	label  string
	// plan builds the asks (am/asks.go); nil asks "*" only for memory and cores.
	plan *askPlan
	// launchContext builds the launch context of an executor.
	launchContext func(e *executor) (*yarnpb.ContainerLaunchContextProto, error)
	progress      func() float32

	wake chan struct{}

	mu         sync.Mutex
	requests   requests // what the RM believes the AM asks for
	releases   []yarn.ContainerID
	released   map[string]yarn.ContainerID // released, not yet reported completed: re-sent after a re-registration
	exclude    *exclusions
	nodes      int                               // the cluster's NodeManagers, as the last allocate said
	containers map[string]*yarnpb.ContainerProto // live containers by id
	launching  atomic.Int32
	launches   sync.WaitGroup
	lastChange time.Time // last ask, allocation or completion (am/placement.go)
}

func newAllocator(s scheduler, n nodeManagers, p *pool, log *logrus.Entry) *allocator {
	return &allocator{sched: s, nms: n, pool: p, log: log,
		wake: make(chan struct{}, 1), containers: map[string]*yarnpb.ContainerProto{}, released: map[string]yarn.ContainerID{},
		exclude:  newExclusions(nil, 0, defaultExcludeTimeout, false),
		progress: func() float32 { return 0.1 }}
}

// Wake makes the loop heartbeat now (after a scale request, say).
func (a *allocator) Wake() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// run heartbeats until ctx ends or an error ends the application.
func (a *allocator) run(ctx context.Context) error {
	interval, failures := heartbeatFast, 0
	for {
		err := a.heartbeat(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, errRMShutdown), errors.Is(err, yarn.ErrPlacementDisabled):
			return err
		case isGaveUp(err):
			return fmt.Errorf("no ResourceManager could be reached for as long as the retry policy allows (yarn.resourcemanager.connect.max-wait.ms): %w", err)
		case err != nil:
			failures++
			a.log.WithError(err).Warnf("allocate failed (%d in a row)", failures)
			if failures >= maxAllocateErrors {
				return fmt.Errorf("allocate failed %d times in a row: %w", failures, err)
			}
		default:
			failures = 0
		}
		if err := a.checkEnd(); err != nil {
			return err
		}
		interval = a.nextInterval(interval)
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-a.wake:
			t.Stop()
			interval = heartbeatFast
		case <-t.C:
		}
	}
}

// heartbeat is one allocate call and the handling of its response.
func (a *allocator) heartbeat(ctx context.Context) error {
	a.mu.Lock()
	var asks []*yarnpb.ResourceRequestProto
	var sreqs []*yarnpb.SchedulingRequestProto
	total, send := a.requests.ask(a.pool.Wanted())
	if send {
		asks, sreqs = a.buildAsks(total)
	}
	releases := a.releases
	a.releases = nil
	ex, exSent := a.exclude.update()
	a.mu.Unlock()

	// No timeout of its own: the scheduler's retry policy bounds the call.
	res, err := a.allocate(ctx, asks, sreqs, releases, ex)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.releases = append(releases, a.releases...)
		return err
	}
	exSent()
	if send {
		a.requests.sent(total)
	}
	for _, id := range releases {
		a.released[id.String()] = id
	}
	if res.Reregistered {
		a.reregistered(res)
	}
	resp := res.Response
	a.nodes = int(resp.GetNumClusterNodes())
	a.responded(resp)
	// Completions first: a slot they free can take a container allocated in the same response.
	for _, st := range resp.GetCompletedContainerStatuses() {
		a.completed(st)
	}
	for _, c := range resp.GetAllocatedContainers() {
		a.requests.allocated()
		a.allocated(ctx, c)
	}
	if len(a.releases) > 0 {
		// Give back surplus containers, and those on excluded nodes, and ask
		// for their replacements now: the RM hands the freed room to the
		// next NodeManager that heartbeats, and the later the AM asks, the
		// likelier that is the excluded node again.
		a.Wake()
	}
	if res.Shutdown {
		return errRMShutdown
	}
	return nil
}

// ask is the single "any host" request carrying the total outstanding.
func (a *allocator) ask(n int) *yarnpb.ResourceRequestProto {
	rr := &yarnpb.ResourceRequestProto{
		Priority:      &yarnpb.PriorityProto{Priority: proto.Int32(executorPriority)},
		ResourceName:  proto.String("*"),
		Capability:    &yarnpb.ResourceProto{Memory: proto.Int64(a.memory), VirtualCores: proto.Int32(a.cores)},
		NumContainers: proto.Int32(int32(n)),
		RelaxLocality: proto.Bool(true),
	}
	if a.label != "" {
		rr.NodeLabelExpression = proto.String(a.label)
	}
	return rr
}

// allocated takes one new container: launch it, or release it when surplus.
// Called with a.mu held.
func (a *allocator) allocated(ctx context.Context, c *yarnpb.ContainerProto) {
	cid := yarn.ContainerIDFromProto(c.GetId()).String()
	node := fmt.Sprintf("%s:%d", c.GetNodeId().GetHost(), c.GetNodeId().GetPort())
	logURL := fmt.Sprintf("http://%s/node/containerlogs/%s/%s", c.GetNodeHttpAddress(), cid, a.user)
	if a.exclude.excluded(node, c.GetNodeId().GetHost()) {
		a.log.Debugf("releasing container %s on excluded node %s", cid, node)
		a.releases = append(a.releases, yarn.ContainerIDFromProto(c.GetId()))
		a.requests.forget() // ask again for the one given back
		return
	}
	e := a.pool.Assign(cid, node, c.GetNodeId().GetHost(), logURL)
	if e == nil {
		a.log.Debugf("releasing surplus container %s", cid)
		a.releases = append(a.releases, yarn.ContainerIDFromProto(c.GetId()))
		return
	}
	a.containers[cid] = c
	a.launching.Add(1)
	a.launches.Add(1)
	go func() {
		defer a.launches.Done()
		defer a.launching.Add(-1)
		a.launch(ctx, e, c)
	}()
}

func (a *allocator) launch(ctx context.Context, e *executor, c *yarnpb.ContainerProto) {
	err := func() error {
		clc, err := a.launchContext(e)
		if err != nil {
			return err
		}
		lctx, cancel := context.WithTimeout(ctx, launchTimeout)
		defer cancel()
		return a.nms.Start(lctx, c, clc)
	}()
	if err != nil {
		a.log.WithError(err).Warnf("executor %d: could not start container %s on %s", e.id, e.containerID, e.node)
		a.mu.Lock()
		if isNMUnreachable(err) {
			a.pool.LaunchLost(e.containerID, err)
		} else {
			a.pool.LaunchFailed(e.containerID, err)
			a.nodeFailed(e)
		}
		delete(a.containers, e.containerID)
		a.releases = append(a.releases, yarn.ContainerIDFromProto(c.GetId()))
		a.mu.Unlock()
		a.Wake()
		return
	}
	a.pool.Running(e.containerID)
	a.log.Infof("executor %d running in %s on %s", e.id, e.containerID, e.host)
}

// completed records a finished container. Called with a.mu held.
func (a *allocator) completed(st *yarnpb.ContainerStatusProto) {
	cid := yarn.ContainerIDFromProto(st.GetContainerId()).String()
	delete(a.containers, cid)
	delete(a.released, cid)
	e, out, why := a.pool.Completed(cid, int(st.GetExitStatus()), st.GetDiagnostics())
	if e == nil || why == "" {
		return
	}
	a.pool.ended(e, out)
	switch out {
	case outcomeFailed:
		a.log.Warnf("executor %d (%s on %s) %s", e.id, cid, e.node, why)
		a.nodeFailed(e)
	default:
		a.log.Infof("executor %d (%s on %s) %s", e.id, cid, e.node, why)
	}
	a.Wake()
}

// stop stops the given executors' containers, concurrently, within ctx.
func (a *allocator) stop(ctx context.Context, execs []*executor) {
	var wg sync.WaitGroup
	for _, e := range execs {
		a.mu.Lock()
		c := a.containers[e.containerID]
		a.mu.Unlock()
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.nms.Stop(ctx, c); err != nil {
				a.log.WithError(err).Debugf("stop executor %d", e.id)
			}
		}()
	}
	wg.Wait()
}
