package yarn

import (
	"context"
	"fmt"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// ApplicationClientProtocol methods listing an application's attempts and
// containers.
const (
	rmMethodAttempts   = "getApplicationAttempts"
	rmMethodContainers = "getContainers"
)

// Attempts returns the reports on every attempt of an application that the
// RM still remembers (getApplicationAttempts). An unknown application gives
// an error wrapping *ipc.ApplicationNotFoundError.
func (r *ResourceManager) Attempts(ctx context.Context, id ApplicationID) ([]*yarnpb.ApplicationAttemptReportProto, error) {
	req := &yarnpb.GetApplicationAttemptsRequestProto{ApplicationId: id.Proto()}
	resp := &yarnpb.GetApplicationAttemptsResponseProto{}
	if err := r.call(ctx, rmMethodAttempts, req, resp); err != nil {
		return nil, fmt.Errorf("yarn: getApplicationAttempts %s: %w", id, err)
	}
	return resp.GetApplicationAttempts(), nil
}

// Containers returns the reports on the containers of one application
// attempt (getContainers). Without a timeline server the RM knows only the
// containers the scheduler still tracks, i.e. the live containers of a
// running attempt; for a finished attempt the list is usually empty or the
// RM answers with an error (ApplicationAttemptNotFoundException).
func (r *ResourceManager) Containers(ctx context.Context, id AttemptID) ([]*yarnpb.ContainerReportProto, error) {
	req := &yarnpb.GetContainersRequestProto{ApplicationAttemptId: id.Proto()}
	resp := &yarnpb.GetContainersResponseProto{}
	if err := r.call(ctx, rmMethodContainers, req, resp); err != nil {
		return nil, fmt.Errorf("yarn: getContainers %s: %w", id, err)
	}
	return resp.GetContainers(), nil
}
