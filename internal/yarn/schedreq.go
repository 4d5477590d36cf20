package yarn

import (
	"context"
	"errors"
	"strings"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// ErrPlacementDisabled is matched (errors.Is) by the error of an allocate
// that carried SchedulingRequests when the ResourceManager's placement
// constraint handler is off (yarn.resourcemanager.placement-constraints.handler
// is "disabled", Hadoop's default): the RM rejects the whole call.
var ErrPlacementDisabled = errors.New("the ResourceManager does not accept placement constraints: yarn.resourcemanager.placement-constraints.handler is disabled on the cluster (it must be scheduler or placement-processor)")

// placementDisabledError wraps the RM's rejection so that both the RM's words
// and ErrPlacementDisabled are visible.
type placementDisabledError struct{ err error }

func (e *placementDisabledError) Error() string {
	return ErrPlacementDisabled.Error() + ": " + e.err.Error()
}
func (e *placementDisabledError) Unwrap() []error { return []error{ErrPlacementDisabled, e.err} }

// isPlacementDisabled recognises the DisabledPlacementProcessor's rejection:
// a YarnException saying the handler "cannot handle placement constraints".
func isPlacementDisabled(err error) bool {
	var re *ipc.RemoteError
	return errors.As(err, &re) && strings.Contains(re.Message, "cannot handle placement constraints")
}

// AllocateScheduling is Allocate with SchedulingRequests beside the
// ResourceRequests: requests that carry placement constraints (affinity,
// anti-affinity, cardinality over allocation tags). Like ResourceRequests
// they are totals keyed by (priority, allocation request id): re-sending one
// with another num_allocations replaces the count, 0 cancels, and every
// other field must stay the same. An RM whose placement handler is off
// rejects the call with an error matching ErrPlacementDisabled. ex changes
// the node exclusion list as in AllocateExcluding.
func (s *Scheduler) AllocateScheduling(ctx context.Context, asks []*yarnpb.ResourceRequestProto, sreqs []*yarnpb.SchedulingRequestProto, releases []ContainerID, ex Exclusions, progress float32) (*AllocateResult, error) {
	res, err := s.allocate(ctx, asks, sreqs, releases, ex, progress)
	if err != nil && len(sreqs) > 0 && isPlacementDisabled(err) {
		return nil, &placementDisabledError{err: err}
	}
	return res, err
}
