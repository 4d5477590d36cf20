package yarn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// Submission and kill polling tuning. The RM accepts an application once
// it has written it to its state store, 20 ms to several hundred ms after
// submitApplication; polling at most every 50 ms for that notices it within
// 50 ms (a 500 ms cap noticed it up to 300 ms late) for a few more reports,
// each a fraction of a millisecond of the RM's time.
const (
	submitPollMin   = 10 * time.Millisecond
	submitPollMax   = 50 * time.Millisecond
	maxResubmits    = 3
	killPollMin     = 100 * time.Millisecond
	killPollMax     = 1 * time.Second
	rmMethodNewApp  = "getNewApplication"
	rmMethodSubmit  = "submitApplication"
	rmMethodReport  = "getApplicationReport"
	rmMethodKill    = "forceKillApplication"
	rmMethodMetrics = "getClusterMetrics"
	rmMethodNodes   = "getClusterNodes"
	rmMethodQueue   = "getQueueInfo"
	rmMethodApps    = "getApplications"
	rmMethodAttempt = "getApplicationAttemptReport"
)

// ResourceManager is a client of the ResourceManager's
// ApplicationClientProtocol (the client port, yarn.resourcemanager.address),
// using SIMPLE authentication.
//
// With ResourceManager HA it is given every RM's address in rm-id order.
// Each call starts with the RM that answered last; on a connection failure,
// a StandbyException, a try that times out, or a RetriableException that
// persists on the same RM, it moves on to the next address. How long it
// keeps trying while no RM can serve the call is its RetryPolicy's
// decision (WithRetryPolicy; RetryPolicyFromConf gives Hadoop's: up to 15
// minutes by default), and an Observer (WithObserver) hears once that the
// RM is unreachable and once that it is back. Every wait is bounded by the
// call's context. When the policy gives up the error is a *FailoverError
// listing what each address said.
//
// A ResourceManager is safe for concurrent use.
type ResourceManager struct {
	caller Caller
	fo     *failover
}

// NewResourceManager returns a client for the ResourceManager(s) at addrs
// ("host:port", in rm-id order for HA), calling through c, configured by
// opts (WithRetryPolicy, WithObserver, WithTryTimeout).
func NewResourceManager(c Caller, addrs []string, opts ...Option) (*ResourceManager, error) {
	if c == nil {
		return nil, errors.New("yarn: NewResourceManager: nil Caller")
	}
	fo, err := newFailover(addrs, buildOptions(len(addrs), opts))
	if err != nil {
		return nil, fmt.Errorf("yarn: NewResourceManager: %w", err)
	}
	return &ResourceManager{caller: c, fo: fo}, nil
}

// ActiveAddress returns the address the next call will try first: the RM
// that answered last (initially the first address).
func (r *ResourceManager) ActiveAddress() string { return r.fo.activeAddr() }

// call invokes one ApplicationClientProtocol method with HA failover.
func (r *ResourceManager) call(ctx context.Context, method string, req, resp proto.Message) error {
	return r.fo.do(ctx, method, func(ctx context.Context, addr string) error {
		proto.Reset(resp)
		return r.caller.Call(ctx, addr, ApplicationClientProtocol, method, nil, req, resp)
	})
}

// NewApplication asks the RM for a new application id (getNewApplication).
// It also returns the largest container resource the scheduler grants, to
// validate requested sizes against.
func (r *ResourceManager) NewApplication(ctx context.Context) (ApplicationID, *yarnpb.ResourceProto, error) {
	resp := &yarnpb.GetNewApplicationResponseProto{}
	if err := r.call(ctx, rmMethodNewApp, &yarnpb.GetNewApplicationRequestProto{}, resp); err != nil {
		return ApplicationID{}, nil, err
	}
	if resp.GetApplicationId() == nil {
		return ApplicationID{}, nil, errors.New("yarn: getNewApplication: response has no application id")
	}
	return ApplicationIDFromProto(resp.GetApplicationId()), resp.GetMaximumCapability(), nil
}

// Submit submits an application (submitApplication) whose context carries
// the id from NewApplication, then waits until the RM has accepted it, i.e.
// its report leaves the NEW, NEW_SAVING and SUBMITTED states, and returns
// that report (which may already be FAILED, e.g. for an unknown queue).
//
// Resubmission: an RM fail-over between the submission and the moment the
// RM has persisted the application can lose it; the new active RM then
// answers getApplicationReport with ApplicationNotFoundException. Submit
// resubmits the same context in that case (up to three times). Resubmitting
// is safe because an RM that already knows the application id answers a
// repeated submission with success instead of creating a second
// application.
func (r *ResourceManager) Submit(ctx context.Context, sc *yarnpb.ApplicationSubmissionContextProto) (*yarnpb.ApplicationReportProto, error) {
	if sc.GetApplicationId() == nil {
		return nil, errors.New("yarn: submitApplication: submission context has no application id")
	}
	id := ApplicationIDFromProto(sc.GetApplicationId())
	req := &yarnpb.SubmitApplicationRequestProto{ApplicationSubmissionContext: sc}
	for submits := 0; ; submits++ {
		if err := r.call(ctx, rmMethodSubmit, req, &yarnpb.SubmitApplicationResponseProto{}); err != nil {
			return nil, fmt.Errorf("yarn: submitting %s: %w", id, err)
		}
		rep, err := r.waitSubmitted(ctx, id)
		if err == nil {
			return rep, nil
		}
		var nf *ipc.ApplicationNotFoundError
		if !errors.As(err, &nf) || submits >= maxResubmits {
			return nil, fmt.Errorf("yarn: waiting for %s to be accepted: %w", id, err)
		}
	}
}

// waitSubmitted polls the report of id until it is past the states in which
// the RM may not have persisted it yet.
func (r *ResourceManager) waitSubmitted(ctx context.Context, id ApplicationID) (*yarnpb.ApplicationReportProto, error) {
	bo := backoff{next: submitPollMin, max: submitPollMax}
	for {
		rep, err := r.ApplicationReport(ctx, id)
		if err != nil {
			return nil, err
		}
		switch rep.GetYarnApplicationState() {
		case yarnpb.YarnApplicationStateProto_NEW,
			yarnpb.YarnApplicationStateProto_NEW_SAVING,
			yarnpb.YarnApplicationStateProto_SUBMITTED:
		default:
			return rep, nil
		}
		if err := bo.wait(ctx); err != nil {
			return nil, err
		}
	}
}

// ApplicationReport returns the RM's report on an application
// (getApplicationReport). An unknown id gives an error wrapping
// *ipc.ApplicationNotFoundError.
func (r *ResourceManager) ApplicationReport(ctx context.Context, id ApplicationID) (*yarnpb.ApplicationReportProto, error) {
	resp := &yarnpb.GetApplicationReportResponseProto{}
	req := &yarnpb.GetApplicationReportRequestProto{ApplicationId: id.Proto()}
	if err := r.call(ctx, rmMethodReport, req, resp); err != nil {
		return nil, err
	}
	if resp.GetApplicationReport() == nil {
		return nil, fmt.Errorf("yarn: getApplicationReport %s: empty response", id)
	}
	return resp.GetApplicationReport(), nil
}

// ApplicationFilter restricts Applications. Zero fields do not filter.
type ApplicationFilter struct {
	// Types are application types, e.g. "YARN", "SPINDLE".
	Types []string
	// States are application states.
	States []yarnpb.YarnApplicationStateProto
	// Users are submitting users.
	Users []string
	// Queues are queue names.
	Queues []string
	// Tags are application tags.
	Tags []string
	// Limit caps the number of reports (0 = no limit).
	Limit int64
}

// Applications lists application reports matching filter (getApplications).
func (r *ResourceManager) Applications(ctx context.Context, filter ApplicationFilter) ([]*yarnpb.ApplicationReportProto, error) {
	req := &yarnpb.GetApplicationsRequestProto{
		ApplicationTypes:  filter.Types,
		ApplicationStates: filter.States,
		Users:             filter.Users,
		Queues:            filter.Queues,
		ApplicationTags:   filter.Tags,
	}
	if filter.Limit > 0 {
		req.Limit = proto.Int64(filter.Limit)
	}
	resp := &yarnpb.GetApplicationsResponseProto{}
	if err := r.call(ctx, rmMethodApps, req, resp); err != nil {
		return nil, err
	}
	return resp.GetApplications(), nil
}

// IsTerminal reports whether an application state is final (FINISHED,
// FAILED or KILLED).
func IsTerminal(state yarnpb.YarnApplicationStateProto) bool {
	switch state {
	case yarnpb.YarnApplicationStateProto_FINISHED,
		yarnpb.YarnApplicationStateProto_FAILED,
		yarnpb.YarnApplicationStateProto_KILLED:
		return true
	}
	return false
}

// Kill kills an application (forceKillApplication), recording diagnostics
// as the reason (may be empty). Killing is asynchronous in the RM: Kill
// repeats the request, checking the application report in between (100 ms
// growing to 1 s), until the RM says the kill is complete or the report
// shows a terminal state, or ctx ends. Killing an application that has
// already finished succeeds.
func (r *ResourceManager) Kill(ctx context.Context, id ApplicationID, diagnostics string) error {
	req := &yarnpb.KillApplicationRequestProto{ApplicationId: id.Proto()}
	if diagnostics != "" {
		req.Diagnostics = proto.String(diagnostics)
	}
	bo := backoff{next: killPollMin, max: killPollMax}
	for {
		resp := &yarnpb.KillApplicationResponseProto{}
		if err := r.call(ctx, rmMethodKill, req, resp); err != nil {
			return fmt.Errorf("yarn: killing %s: %w", id, err)
		}
		if resp.GetIsKillCompleted() {
			return nil
		}
		rep, err := r.ApplicationReport(ctx, id)
		if err != nil {
			return fmt.Errorf("yarn: killing %s: %w", id, err)
		}
		if IsTerminal(rep.GetYarnApplicationState()) {
			return nil
		}
		if err := bo.wait(ctx); err != nil {
			return fmt.Errorf("yarn: killing %s: kill not completed: %w", id, err)
		}
	}
}

// ClusterMetrics returns node-manager counts (getClusterMetrics).
func (r *ResourceManager) ClusterMetrics(ctx context.Context) (*yarnpb.YarnClusterMetricsProto, error) {
	resp := &yarnpb.GetClusterMetricsResponseProto{}
	if err := r.call(ctx, rmMethodMetrics, &yarnpb.GetClusterMetricsRequestProto{}, resp); err != nil {
		return nil, err
	}
	if resp.GetClusterMetrics() == nil {
		return nil, errors.New("yarn: getClusterMetrics: empty response")
	}
	return resp.GetClusterMetrics(), nil
}

// ClusterNodes returns reports of the nodes in the given states, or of all
// nodes when no state is given (getClusterNodes).
func (r *ResourceManager) ClusterNodes(ctx context.Context, states ...yarnpb.NodeStateProto) ([]*yarnpb.NodeReportProto, error) {
	req := &yarnpb.GetClusterNodesRequestProto{NodeStates: states}
	resp := &yarnpb.GetClusterNodesResponseProto{}
	if err := r.call(ctx, rmMethodNodes, req, resp); err != nil {
		return nil, err
	}
	return resp.GetNodeReports(), nil
}

// QueueInfoOptions selects what QueueInfo includes.
type QueueInfoOptions struct {
	// IncludeApplications adds the queue's application reports.
	IncludeApplications bool
	// IncludeChildQueues adds the child queues.
	IncludeChildQueues bool
	// Recursive includes the child queues' children too.
	Recursive bool
}

// ErrQueueNotFound is matched (errors.Is) by the error QueueInfo returns
// when the RM answers without queue information, which is how Hadoop 3.2's
// RM reports an unknown queue name.
var ErrQueueNotFound = errors.New("no such queue")

// QueueInfo returns information on the named queue (getQueueInfo), e.g.
// "default" or, with the capacity scheduler, a leaf name like "batch". An
// unknown queue gives an error matching ErrQueueNotFound.
func (r *ResourceManager) QueueInfo(ctx context.Context, name string, opts QueueInfoOptions) (*yarnpb.QueueInfoProto, error) {
	req := &yarnpb.GetQueueInfoRequestProto{
		QueueName:           proto.String(name),
		IncludeApplications: proto.Bool(opts.IncludeApplications),
		IncludeChildQueues:  proto.Bool(opts.IncludeChildQueues),
		Recursive:           proto.Bool(opts.Recursive),
	}
	resp := &yarnpb.GetQueueInfoResponseProto{}
	if err := r.call(ctx, rmMethodQueue, req, resp); err != nil {
		return nil, fmt.Errorf("yarn: queue %q: %w", name, err)
	}
	if resp.GetQueueInfo() == nil {
		return nil, fmt.Errorf("yarn: queue %q: %w", name, ErrQueueNotFound)
	}
	return resp.GetQueueInfo(), nil
}

// AttemptReport returns the report on one application attempt
// (getApplicationAttemptReport).
func (r *ResourceManager) AttemptReport(ctx context.Context, id AttemptID) (*yarnpb.ApplicationAttemptReportProto, error) {
	req := &yarnpb.GetApplicationAttemptReportRequestProto{ApplicationAttemptId: id.Proto()}
	resp := &yarnpb.GetApplicationAttemptReportResponseProto{}
	if err := r.call(ctx, rmMethodAttempt, req, resp); err != nil {
		return nil, err
	}
	if resp.GetApplicationAttemptReport() == nil {
		return nil, fmt.Errorf("yarn: getApplicationAttemptReport %s: empty response", id)
	}
	return resp.GetApplicationAttemptReport(), nil
}
