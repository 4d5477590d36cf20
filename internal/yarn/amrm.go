package yarn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// ApplicationMasterProtocol method names.
const (
	amMethodRegister = "registerApplicationMaster"
	amMethodAllocate = "allocate"
	amMethodFinish   = "finishApplicationMaster"
)

// Finish polling tuning, and how often Finish may re-register.
const (
	finishPollMin   = 100 * time.Millisecond
	finishPollMax   = 1 * time.Second
	maxFinishReRegs = 2
)

// AMRMTokenKind is the kind of the token an ApplicationMaster authenticates
// to the scheduler with; pick it from the container's credentials by kind
// (its service is empty).
const AMRMTokenKind = "YARN_AM_RM_TOKEN"

// Scheduler is an ApplicationMaster's client of the ResourceManager's
// ApplicationMasterProtocol (the scheduler port,
// yarn.resourcemanager.scheduler.address), authenticated with the AMRM
// token (SASL TOKEN).
//
// It keeps the protocol state an AM needs: the allocate response id (the
// first allocate after registering sends 0, every later one the id of the
// last response received; it only advances on success, so a failed call is
// retried with the same id, which the RM answers idempotently), the newest
// AMRM token (a token delivered by the RM after its master key rolled is
// used for every new connection), and the NM tokens the RM hands out (put
// into an NMTokenCache for NodeManagers).
//
// Outages: while no ResourceManager can be reached (a restart, a
// fail-over), every call retries under the Scheduler's RetryPolicy (see
// WithRetryPolicy and RetryPolicyFromConf; Hadoop's AMs wait up to 15
// minutes) and an Observer hears once that the RM is unreachable and once
// that it is back. Given several scheduler addresses (rm-id order) it fails
// over like ResourceManager.
//
// Re-registration: a ResourceManager that restarted with work-preserving
// recovery, or became active in a fail-over, answers
// ApplicationMasterNotRegisteredException; an RM may also send AM_RESYNC.
// Allocate and Finish then register again with the parameters of the last
// Register and carry on with response id 0; AllocateResult.Reregistered
// tells the caller to re-send its whole ask table and its pending releases.
// Running containers stay with the application.
//
// Register, Allocate and Finish are serialized; a Scheduler is safe for
// concurrent use.
type Scheduler struct {
	caller   Caller
	fo       *failover
	nmTokens *NMTokenCache

	op sync.Mutex // serializes Register, Allocate and Finish

	mu         sync.Mutex // guards the fields below
	token      *ipc.Token
	responseID int32
	registered bool
	finished   bool          // Finish succeeded: no more allocates
	reg        *registration // parameters of the last Register, for re-registration
}

// registration holds the parameters of registerApplicationMaster.
type registration struct {
	host        string
	rpcPort     int32
	trackingURL string
}

// NewScheduler returns a scheduler client for the RM scheduler address(es)
// addrs that authenticates with amrmToken (the YARN_AM_RM_TOKEN from the
// AM container's credentials file, or the report's am_rm_token for an
// unmanaged AM). NM tokens received are stored in nmTokens; nil gets a new
// cache (see NMTokens). opts set the retry policy, the observer and the try
// timeout (WithRetryPolicy, WithObserver, WithTryTimeout).
func NewScheduler(c Caller, addrs []string, amrmToken *ipc.Token, nmTokens *NMTokenCache, opts ...Option) (*Scheduler, error) {
	if c == nil {
		return nil, errors.New("yarn: NewScheduler: nil Caller")
	}
	if amrmToken == nil {
		return nil, errors.New("yarn: NewScheduler: no AMRM token")
	}
	fo, err := newFailover(addrs, buildOptions(len(addrs), opts))
	if err != nil {
		return nil, fmt.Errorf("yarn: NewScheduler: %w", err)
	}
	if nmTokens == nil {
		nmTokens = &NMTokenCache{}
	}
	return &Scheduler{caller: c, fo: fo, nmTokens: nmTokens, token: cloneToken(amrmToken)}, nil
}

// NMTokens returns the cache the NM tokens from the RM are stored in; give
// it to NewNodeManagers.
func (s *Scheduler) NMTokens() *NMTokenCache { return s.nmTokens }

// Token returns a copy of the AMRM token currently used for new connections
// (the newest one received).
func (s *Scheduler) Token() *ipc.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneToken(s.token)
}

// ResponseID returns the response id the next Allocate will send.
func (s *Scheduler) ResponseID() int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.responseID
}

// ActiveAddress returns the scheduler address the next call tries first.
func (s *Scheduler) ActiveAddress() string { return s.fo.activeAddr() }

// call invokes one ApplicationMasterProtocol method with retries and HA
// failover, using the current AMRM token for each try.
func (s *Scheduler) call(ctx context.Context, method string, req, resp proto.Message) error {
	return s.fo.do(ctx, method, func(ctx context.Context, addr string) error {
		s.mu.Lock()
		tok := cloneToken(s.token)
		s.mu.Unlock()
		proto.Reset(resp)
		return s.caller.Call(ctx, addr, ApplicationMasterProtocol, method, tok, req, resp)
	})
}

// Registration is the ResourceManager's answer to
// registerApplicationMaster. It embeds the response, so its getters
// (GetMaximumCapability, GetQueue, GetSchedulerResourceTypes...) are at
// hand.
type Registration struct {
	*yarnpb.RegisterApplicationMasterResponseProto
	// PreviousContainers are the containers of earlier attempts of this
	// application that are still running; the RM hands them over when the
	// application was submitted with
	// keep_containers_across_application_attempts. They are not allocated
	// again: the new attempt adopts them.
	PreviousContainers []*yarnpb.ContainerProto
	// PreviousNMTokens are the NM tokens for the nodes of
	// PreviousContainers; they are already in the Scheduler's NMTokenCache.
	PreviousNMTokens []*yarnpb.NMTokenProto
}

// Register registers the ApplicationMaster (registerApplicationMaster):
// host and rpcPort where it serves clients (rpcPort -1 if it serves no RPC)
// and its tracking URL (may be empty). It resets the response id to 0 and
// stores the NM tokens of containers kept from previous attempts in the
// cache. The result holds the maximum container capability and those
// containers.
//
// Registering twice in one attempt is refused by the RM
// (InvalidApplicationMasterRequestException). That includes the rare case
// of a connection breaking after the RM processed the registration but
// before its answer arrived: the automatic retry then fails with that
// exception, and the AM should give up the attempt.
func (s *Scheduler) Register(ctx context.Context, host string, rpcPort int32, trackingURL string) (*Registration, error) {
	s.op.Lock()
	defer s.op.Unlock()
	return s.register(ctx, &registration{host: host, rpcPort: rpcPort, trackingURL: trackingURL})
}

// register performs registration with reg; s.op must be held.
func (s *Scheduler) register(ctx context.Context, reg *registration) (*Registration, error) {
	req := &yarnpb.RegisterApplicationMasterRequestProto{
		Host:    proto.String(reg.host),
		RpcPort: proto.Int32(reg.rpcPort),
	}
	if reg.trackingURL != "" {
		req.TrackingUrl = proto.String(reg.trackingURL)
	}
	resp := &yarnpb.RegisterApplicationMasterResponseProto{}
	if err := s.call(ctx, amMethodRegister, req, resp); err != nil {
		return nil, fmt.Errorf("yarn: registering application master: %w", err)
	}
	s.mu.Lock()
	s.registered = true
	s.responseID = 0
	s.reg = reg
	s.mu.Unlock()
	s.nmTokens.AddProtos(resp.GetNmTokensFromPreviousAttempts())
	return &Registration{
		RegisterApplicationMasterResponseProto: resp,
		PreviousContainers:                     resp.GetContainersFromPreviousAttempts(),
		PreviousNMTokens:                       resp.GetNmTokensFromPreviousAttempts(),
	}, nil
}

// reregister registers again with the parameters of the last Register; s.op
// must be held. An RM that answers "already registered" (a re-registration
// whose answer was lost in a broken connection) counts as registered, with
// a nil Registration.
func (s *Scheduler) reregister(ctx context.Context) (*Registration, error) {
	s.mu.Lock()
	reg := s.reg
	s.registered = false
	s.mu.Unlock()
	if reg == nil {
		return nil, errors.New("yarn: application master was never registered")
	}
	r, err := s.register(ctx, reg)
	var inv *ipc.InvalidApplicationMasterRequestError
	if err != nil && errors.As(err, &inv) && strings.Contains(inv.Message, "already registered") {
		s.mu.Lock()
		s.registered = true
		s.responseID = 0
		s.mu.Unlock()
		return nil, nil
	}
	return r, err
}

// AllocateResult is the outcome of one Allocate heartbeat.
type AllocateResult struct {
	// Response is the RM's answer: allocated containers, completed
	// container statuses, headroom, updated nodes, preemption requests...
	// Its NM tokens are already in the NMTokenCache and its AMRM token is
	// already in use.
	Response *yarnpb.AllocateResponseProto
	// Reregistered reports that the RM had lost this AM's registration
	// (it restarted, or another RM became active:
	// ApplicationMasterNotRegisteredException) or told it to resync
	// (AM_RESYNC), and the Scheduler registered again with the parameters
	// of the last Register; the response id starts again from 0.
	//
	// The RM has forgotten every outstanding request, so the caller must
	// send, in its next Allocate, its whole ask table (every outstanding
	// ResourceRequest total, including zeros it still wants cancelled) and
	// every release the RM has not yet confirmed with a completed
	// container status, as Hadoop's AMRMClient does. Running containers
	// stay with the application and keep being reported.
	Reregistered bool
	// Registration is the RM's answer to that re-registration
	// (Reregistered only; nil if the RM said the AM was already
	// registered). Its PreviousContainers are containers of earlier
	// attempts, not this attempt's running ones.
	Registration *Registration
	// TokenRolled reports that the response carried an AMRM token
	// different from the one in use, which now replaces it.
	TokenRolled bool
	// Resync reports that the RM sent AM_RESYNC. The Scheduler has already
	// registered again (Reregistered is set); if that failed, Allocate
	// returned an error instead and the attempt cannot go on.
	Resync bool
	// Shutdown is set when the RM sent AM_SHUTDOWN: the AM should stop
	// (without unregistering).
	Shutdown bool
}

// Allocate sends one heartbeat (allocate) with new or changed resource
// requests asks (num_containers is the total outstanding for the request's
// key; 0 cancels), containers to release, and progress (0..1).
//
// While no RM can be reached it retries under the retry policy, bounded by
// ctx. On ApplicationMasterNotRegisteredException it registers again (same
// parameters as the last Register), resets the response id to 0, retries
// once with the same asks and releases, and sets Reregistered in the
// result; on AM_RESYNC it registers again and sets Resync and
// Reregistered. On any error the response id is unchanged, so the caller
// can retry with the same asks and releases.
//
// An error wrapping *ipc.ApplicationAttemptNotFoundError means the RM no
// longer has this attempt: the AM should stop, like for Shutdown.
func (s *Scheduler) Allocate(ctx context.Context, asks []*yarnpb.ResourceRequestProto, releases []ContainerID, progress float32) (*AllocateResult, error) {
	return s.AllocateExcluding(ctx, asks, releases, Exclusions{}, progress)
}

// Exclusions are changes to the application's node exclusion list (YARN's
// blacklist, ResourceBlacklistRequestProto): resource names (host names, or
// node names host:port where the scheduler names nodes with their port) that
// the RM must stop or may again allocate containers on. The RM keeps the
// list per attempt; after a re-registration the caller sends it whole again.
type Exclusions struct {
	Add, Remove []string
}

// AllocateExcluding is Allocate with changes to the node exclusion list.
func (s *Scheduler) AllocateExcluding(ctx context.Context, asks []*yarnpb.ResourceRequestProto, releases []ContainerID, ex Exclusions, progress float32) (*AllocateResult, error) {
	return s.allocate(ctx, asks, nil, releases, ex, progress)
}

// allocate is Allocate with optional SchedulingRequests (AllocateScheduling)
// and node exclusions (AllocateExcluding).
func (s *Scheduler) allocate(ctx context.Context, asks []*yarnpb.ResourceRequestProto, sreqs []*yarnpb.SchedulingRequestProto, releases []ContainerID, ex Exclusions, progress float32) (*AllocateResult, error) {
	s.op.Lock()
	defer s.op.Unlock()
	s.mu.Lock()
	registered, everRegistered, finished := s.registered, s.reg != nil, s.finished
	s.mu.Unlock()
	if finished {
		return nil, errors.New("yarn: allocate: application master already unregistered")
	}
	if !everRegistered {
		return nil, errors.New("yarn: allocate: application master not registered (call Register first)")
	}
	res := &AllocateResult{}
	if !registered {
		// A re-registration failed earlier: try again first.
		if err := s.reregisterInto(ctx, res); err != nil {
			return nil, fmt.Errorf("yarn: allocate: %w", err)
		}
	}
	resp, err := s.allocateOnce(ctx, asks, sreqs, releases, ex, progress)
	var nr *ipc.ApplicationMasterNotRegisteredError
	if err != nil && errors.As(err, &nr) && !res.Reregistered {
		if rerr := s.reregisterInto(ctx, res); rerr != nil {
			return nil, fmt.Errorf("yarn: allocate: RM does not know this application master (%v) and registering again failed: %w", err, rerr)
		}
		resp, err = s.allocateOnce(ctx, asks, sreqs, releases, ex, progress)
	}
	if err != nil {
		return nil, fmt.Errorf("yarn: allocate: %w", err)
	}
	res.Response = resp
	s.accept(resp, res)
	// a_m_command has no explicit default, so GetAMCommand returns the first enum
	// value (AM_RESYNC) when the RM sent none: test for presence.
	if resp.AMCommand != nil {
		switch *resp.AMCommand {
		case yarnpb.AMCommandProto_AM_RESYNC:
			res.Resync = true
			if err := s.reregisterInto(ctx, res); err != nil {
				return nil, fmt.Errorf("yarn: allocate: the RM asked this application master to resync (AM_RESYNC) and registering again failed: %w", err)
			}
		case yarnpb.AMCommandProto_AM_SHUTDOWN:
			res.Shutdown = true
		}
	}
	return res, nil
}

// reregisterInto registers again and records it in res; s.op must be held.
func (s *Scheduler) reregisterInto(ctx context.Context, res *AllocateResult) error {
	reg, err := s.reregister(ctx)
	if err != nil {
		return err
	}
	res.Reregistered = true
	if reg != nil {
		res.Registration = reg
	}
	return nil
}

// accept takes the state an allocate response carries: its response id,
// a rolled AMRM token and NM tokens.
func (s *Scheduler) accept(resp *yarnpb.AllocateResponseProto, res *AllocateResult) {
	s.mu.Lock()
	s.responseID = resp.GetResponseId()
	if t := resp.GetAmRmToken(); t != nil {
		nt := TokenFromProto(t)
		if !sameToken(nt, s.token) {
			// The RM rolled its AMRM master key: new connections (after a
			// drop or a fail-over) must use the new token. The RM repeats
			// it while the roll is pending; repeats change nothing.
			s.token = nt
			res.TokenRolled = true
		}
	}
	s.mu.Unlock()
	s.nmTokens.AddProtos(resp.GetNmTokens())
}

// allocateOnce sends one allocate request with the current response id;
// s.op must be held.
func (s *Scheduler) allocateOnce(ctx context.Context, asks []*yarnpb.ResourceRequestProto, sreqs []*yarnpb.SchedulingRequestProto, releases []ContainerID, ex Exclusions, progress float32) (*yarnpb.AllocateResponseProto, error) {
	s.mu.Lock()
	rid := s.responseID
	s.mu.Unlock()
	req := &yarnpb.AllocateRequestProto{
		Ask:                asks,
		SchedulingRequests: sreqs,
		Release:            idsToProtos(releases),
		ResponseId:         proto.Int32(rid),
		Progress:           proto.Float32(progress),
	}
	if len(ex.Add) > 0 || len(ex.Remove) > 0 {
		req.BlacklistRequest = &yarnpb.ResourceBlacklistRequestProto{BlacklistAdditions: ex.Add, BlacklistRemovals: ex.Remove}
	}
	resp := &yarnpb.AllocateResponseProto{}
	if err := s.call(ctx, amMethodAllocate, req, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// Finish unregisters the ApplicationMaster (finishApplicationMaster) with
// its final status (APP_SUCCEEDED, APP_FAILED, APP_KILLED...), diagnostics
// and final tracking URL (both may be empty). The RM unregisters
// asynchronously, so Finish repeats the call (100 ms growing to 1 s) until
// the RM reports the AM unregistered or ctx ends. If the RM does not know
// the AM (fail-over), Finish registers again and then unregisters.
func (s *Scheduler) Finish(ctx context.Context, status yarnpb.FinalApplicationStatusProto, diagnostics, trackingURL string) error {
	s.op.Lock()
	defer s.op.Unlock()
	req := &yarnpb.FinishApplicationMasterRequestProto{FinalApplicationStatus: status.Enum()}
	if diagnostics != "" {
		req.Diagnostics = proto.String(diagnostics)
	}
	if trackingURL != "" {
		req.TrackingUrl = proto.String(trackingURL)
	}
	bo := backoff{next: finishPollMin, max: finishPollMax}
	reregs := 0
	for {
		resp := &yarnpb.FinishApplicationMasterResponseProto{}
		err := s.call(ctx, amMethodFinish, req, resp)
		if err == nil {
			if resp.GetIsUnregistered() {
				s.mu.Lock()
				s.registered = false
				s.finished = true
				s.mu.Unlock()
				return nil
			}
			if werr := bo.wait(ctx); werr != nil {
				return fmt.Errorf("yarn: unregistering application master: RM had not confirmed: %w", werr)
			}
			continue
		}
		var nr *ipc.ApplicationMasterNotRegisteredError
		if errors.As(err, &nr) && reregs < maxFinishReRegs {
			reregs++
			if _, rerr := s.reregister(ctx); rerr != nil {
				return fmt.Errorf("yarn: unregistering application master: RM does not know it (%v) and registering again failed: %w", err, rerr)
			}
			continue
		}
		return fmt.Errorf("yarn: unregistering application master: %w", err)
	}
}
