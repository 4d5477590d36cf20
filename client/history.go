package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/client/logs"
	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// summaryWait bounds the wait for a just-finished application's summary to
// reach the aggregated logs.
const summaryWait = 30 * time.Second

// ErrNoSummary means an application left no summary (not a Spindle
// application, one that ended before its AM could write it, or log
// aggregation is off and its node has removed the logs).
var ErrNoSummary = errors.New("no " + container.SummaryFileName + " in the application's logs")

// Summary reads the summary the ApplicationMaster of application id left
// in its container's log directory when it ended: from the NodeManager, or
// from the aggregated logs, also after the ResourceManager has forgotten the
// application (then owner, the submitting user, finds them; "" means this
// user). With several attempts, the last attempt's summary wins.
func (c *Cluster) Summary(ctx context.Context, id ApplicationID, owner string) (*container.Summary, error) {
	ctx, cancel := context.WithTimeout(ctx, summaryWait)
	defer cancel()
	var best *container.Summary
	var bestAttempt int
	fn := func(lf *logs.LogFile) error {
		b, err := io.ReadAll(io.LimitReader(lf.Content, 64<<20))
		if err != nil {
			return fmt.Errorf("read %s of %s: %w", lf.Name, lf.Container, err)
		}
		var s container.Summary
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("%s of %s: %w", lf.Name, lf.Container, err)
		}
		if best == nil || s.App.Attempt >= bestAttempt {
			best, bestAttempt = &s, s.App.Attempt
		}
		return nil
	}
	err := c.fetchUntilAggregated(ctx, id, logs.Options{Files: []string{container.SummaryFileName}, Owner: owner}, fn)
	var nl *logs.NoLogsError
	switch {
	case best != nil:
		return best, nil
	case errors.As(err, &nl):
		return nil, fmt.Errorf("%w: %v", ErrNoSummary, err)
	case err != nil:
		return nil, err
	}
	return nil, ErrNoSummary
}

// ListFilter selects applications for List; empty fields select all.
type ListFilter struct {
	// States are YARN states such as RUNNING or FINISHED; empty means the
	// unfinished ones (NEW to RUNNING), like `yarn application -list`.
	States []string
	// Types are application types (default: SPINDLE); AllTypes lists any.
	Types    []string
	AllTypes bool
	Queues   []string
	Users    []string
	Tags     []string
	// Name keeps applications whose name contains it.
	Name string
}

// unfinishedStates are the states List shows without a --state.
func unfinishedStates() []string {
	return []string{"NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING"}
}

// List lists the applications the ResourceManager knows that f selects,
// oldest first.
func (c *Cluster) List(ctx context.Context, f ListFilter) ([]*Report, error) {
	states := f.States
	switch {
	case len(states) == 0:
		states = unfinishedStates()
	case len(states) == 1 && strings.EqualFold(states[0], "ALL"):
		states = nil
	}
	var filter yarn.ApplicationFilter
	for _, s := range states {
		v, ok := yarnpb.YarnApplicationStateProto_value[strings.ToUpper(s)]
		if !ok {
			return nil, fmt.Errorf("--state %q: want one of NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED or ALL", s)
		}
		filter.States = append(filter.States, yarnpb.YarnApplicationStateProto(v))
	}
	filter.Types = f.Types
	if len(filter.Types) == 0 && !f.AllTypes {
		filter.Types = []string{ApplicationType}
	}
	if f.AllTypes {
		filter.Types = nil
	}
	filter.Queues, filter.Users, filter.Tags = f.Queues, f.Users, f.Tags
	ctx, cancel := c.withRPCTimeout(ctx)
	defer cancel()
	reps, err := c.rm.Applications(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	out := make([]*Report, 0, len(reps))
	for _, p := range reps {
		r := reportFromProto(p)
		if f.Name == "" || strings.Contains(r.Name, f.Name) {
			out = append(out, r)
		}
	}
	sortReports(out)
	return out, nil
}

// sortReports orders reports by start time, then id.
func sortReports(rs []*Report) {
	slices.SortStableFunc(rs, func(a, b *Report) int {
		if c := a.StartTime.Compare(b.StartTime); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// IsNotFound reports whether err says the ResourceManager does not know the
// application (it never did, or it has forgotten it).
func IsNotFound(err error) bool {
	var nf *ipc.ApplicationNotFoundError
	return errors.As(err, &nf)
}
