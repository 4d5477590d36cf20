package yarn

import (
	"context"
	"errors"
	"fmt"
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
// ResourceManager HA: given several scheduler addresses (rm-id order) it
// fails over like ResourceManager. A new active RM answers with
// ApplicationMasterNotRegisteredException, upon which Allocate and Finish
// register again automatically (see AllocateResult.Reregistered).
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
// cache (see NMTokens).
func NewScheduler(c Caller, addrs []string, amrmToken *ipc.Token, nmTokens *NMTokenCache) (*Scheduler, error) {
	if c == nil {
		return nil, errors.New("yarn: NewScheduler: nil Caller")
	}
	if amrmToken == nil {
		return nil, errors.New("yarn: NewScheduler: no AMRM token")
	}
	fo, err := newFailover(addrs)
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

// call invokes one ApplicationMasterProtocol method with HA failover, using
// the current AMRM token for each attempt.
func (s *Scheduler) call(ctx context.Context, method string, req, resp proto.Message) error {
	return s.fo.do(ctx, method, func(ctx context.Context, addr string) error {
		s.mu.Lock()
		tok := cloneToken(s.token)
		s.mu.Unlock()
		proto.Reset(resp)
		return s.caller.Call(ctx, addr, ApplicationMasterProtocol, method, tok, req, resp)
	})
}

// Register registers the ApplicationMaster (registerApplicationMaster):
// host and rpcPort where it serves clients (rpcPort -1 if it serves no RPC)
// and its tracking URL (may be empty). It resets the response id to 0 and
// stores NM tokens from previous attempts in the cache. The response holds
// the maximum container capability and containers kept from previous
// attempts.
//
// Registering twice in one attempt is refused by the RM
// (InvalidApplicationMasterRequestException). That includes the rare case
// of a connection breaking after the RM processed the registration but
// before its answer arrived: the automatic retry then fails with that
// exception, and the AM should give up the attempt.
func (s *Scheduler) Register(ctx context.Context, host string, rpcPort int32, trackingURL string) (*yarnpb.RegisterApplicationMasterResponseProto, error) {
	s.op.Lock()
	defer s.op.Unlock()
	return s.register(ctx, &registration{host: host, rpcPort: rpcPort, trackingURL: trackingURL})
}

// register performs registration with reg; s.op must be held.
func (s *Scheduler) register(ctx context.Context, reg *registration) (*yarnpb.RegisterApplicationMasterResponseProto, error) {
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
	return resp, nil
}

// reregister registers again with the parameters of the last Register; s.op
// must be held.
func (s *Scheduler) reregister(ctx context.Context) error {
	s.mu.Lock()
	reg := s.reg
	s.registered = false
	s.mu.Unlock()
	if reg == nil {
		return errors.New("yarn: application master was never registered")
	}
	_, err := s.register(ctx, reg)
	return err
}

// AllocateResult is the outcome of one Allocate heartbeat.
type AllocateResult struct {
	// Response is the RM's answer: allocated containers, completed
	// container statuses, headroom, updated nodes, preemption requests...
	// Its NM tokens are already in the NMTokenCache and its AMRM token is
	// already in use.
	Response *yarnpb.AllocateResponseProto
	// Reregistered reports that the RM did not know this AM (e.g. after
	// an RM fail-over or restart) and the Scheduler registered again. The
	// RM has forgotten all outstanding requests: the caller must send its
	// full ask table (every outstanding ResourceRequest total) and its
	// pending releases in the next Allocate.
	Reregistered bool
	// TokenRolled reports that the response carried an AMRM token
	// different from the one in use, which now replaces it.
	TokenRolled bool
	// Resync is set when the RM sent AM_RESYNC: it no longer recognizes
	// this attempt (older RMs after a restart). Java AMs treat it like
	// Shutdown.
	Resync bool
	// Shutdown is set when the RM sent AM_SHUTDOWN: the AM should stop
	// (without unregistering).
	Shutdown bool
}

// Allocate sends one heartbeat (allocate) with new or changed resource
// requests asks (num_containers is the total outstanding for the request's
// key; 0 cancels), containers to release, and progress (0..1).
//
// On ApplicationMasterNotRegisteredException it registers again (same
// parameters as the last Register), resets the response id to 0, retries
// once with the same asks and releases, and sets Reregistered in the result.
// On any error the response id is unchanged, so the caller can retry with
// the same asks and releases.
func (s *Scheduler) Allocate(ctx context.Context, asks []*yarnpb.ResourceRequestProto, releases []ContainerID, progress float32) (*AllocateResult, error) {
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
		if err := s.reregister(ctx); err != nil {
			return nil, fmt.Errorf("yarn: allocate: %w", err)
		}
		res.Reregistered = true
	}
	resp, err := s.allocateOnce(ctx, asks, releases, progress)
	var nr *ipc.ApplicationMasterNotRegisteredError
	if err != nil && errors.As(err, &nr) && !res.Reregistered {
		if rerr := s.reregister(ctx); rerr != nil {
			return nil, fmt.Errorf("yarn: allocate: RM does not know this application master (%v) and registering again failed: %w", err, rerr)
		}
		res.Reregistered = true
		resp, err = s.allocateOnce(ctx, asks, releases, progress)
	}
	if err != nil {
		return nil, fmt.Errorf("yarn: allocate: %w", err)
	}
	res.Response = resp
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
	// a_m_command has no explicit default, so GetAMCommand returns the first enum
	// value (AM_RESYNC) when the RM sent none: test for presence.
	if resp.AMCommand != nil {
		switch *resp.AMCommand {
		case yarnpb.AMCommandProto_AM_RESYNC:
			res.Resync = true
		case yarnpb.AMCommandProto_AM_SHUTDOWN:
			res.Shutdown = true
		}
	}
	return res, nil
}

// allocateOnce sends one allocate request with the current response id;
// s.op must be held.
func (s *Scheduler) allocateOnce(ctx context.Context, asks []*yarnpb.ResourceRequestProto, releases []ContainerID, progress float32) (*yarnpb.AllocateResponseProto, error) {
	s.mu.Lock()
	rid := s.responseID
	s.mu.Unlock()
	req := &yarnpb.AllocateRequestProto{
		Ask:        asks,
		Release:    idsToProtos(releases),
		ResponseId: proto.Int32(rid),
		Progress:   proto.Float32(progress),
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
			if rerr := s.reregister(ctx); rerr != nil {
				return fmt.Errorf("yarn: unregistering application master: RM does not know it (%v) and registering again failed: %w", err, rerr)
			}
			continue
		}
		return fmt.Errorf("yarn: unregistering application master: %w", err)
	}
}
