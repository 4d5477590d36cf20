package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/staging"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// Report is an application's state as Spindle shows it.
type Report struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	User        string    `json:"user"`
	Queue       string    `json:"queue"`
	Type        string    `json:"type"`
	State       string    `json:"state"`
	FinalStatus string    `json:"finalStatus"`
	Diagnostics string    `json:"diagnostics,omitempty"`
	TrackingURL string    `json:"trackingUrl,omitempty"`
	AMHost      string    `json:"amHost,omitempty"`
	AMPort      int32     `json:"amPort,omitempty"`
	Progress    float32   `json:"progress"`
	StartTime   time.Time `json:"startTime,omitzero"`
	FinishTime  time.Time `json:"finishTime,omitzero"`
	Tags        []string  `json:"tags,omitempty"`
	// Attempt is the number of the current ApplicationMaster attempt (0 before the first).
	Attempt int `json:"attempt,omitempty"`
}

// Terminal reports whether the application has ended.
func (r *Report) Terminal() bool {
	return r.State == "FINISHED" || r.State == "FAILED" || r.State == "KILLED"
}

// Succeeded reports whether the application ended FINISHED/SUCCEEDED.
func (r *Report) Succeeded() bool { return r.State == "FINISHED" && r.FinalStatus == "SUCCEEDED" }

func reportFromProto(p *yarnpb.ApplicationReportProto) *Report {
	r := &Report{ID: yarn.ApplicationIDFromProto(p.GetApplicationId()).String(), Name: p.GetName(), User: p.GetUser(),
		Queue: p.GetQueue(), Type: p.GetApplicationType(), State: p.GetYarnApplicationState().String(),
		FinalStatus: strings.TrimPrefix(p.GetFinalApplicationStatus().String(), "APP_"),
		Diagnostics: strings.TrimSpace(p.GetDiagnostics()), TrackingURL: p.GetTrackingUrl(),
		AMHost: p.GetHost(), AMPort: p.GetRpcPort(), Progress: p.GetProgress(), Tags: p.GetApplicationTags(),
		Attempt: int(p.GetCurrentApplicationAttemptId().GetAttemptId())}
	// The RM reports "N/A" for what it does not know yet, and an unset diagnostics
	// field reads as its proto default "N/A": show neither.
	if r.AMHost == "N/A" {
		r.AMHost = ""
	}
	if r.TrackingURL == "N/A" {
		r.TrackingURL = ""
	}
	if r.Diagnostics == "N/A" {
		r.Diagnostics = ""
	}
	if t := p.GetStartTime(); t > 0 {
		r.StartTime = time.UnixMilli(t)
	}
	if t := p.GetFinishTime(); t > 0 {
		r.FinishTime = time.UnixMilli(t)
	}
	return r
}

// Report fetches an application's report.
func (c *Cluster) Report(ctx context.Context, id ApplicationID) (*Report, error) {
	ctx, cancel := c.withRPCTimeout(ctx)
	defer cancel()
	p, err := c.rm.ApplicationReport(ctx, id.yarn())
	if err != nil {
		return nil, fmt.Errorf("get the report of %s: %w", id, err)
	}
	return reportFromProto(p), nil
}

// Follow polls the application until it ends or until(report) is true, calling
// onChange for the first report and every change of state, diagnostics or tracking URL.
// A transient failure to reach the RM is retried for up to a minute.
func (c *Cluster) Follow(ctx context.Context, id ApplicationID, until func(*Report) bool, onChange func(*Report)) (*Report, error) {
	var last *Report
	var failingSince time.Time
	interval := 200 * time.Millisecond
	for {
		r, err := c.Report(ctx, id)
		switch {
		case err != nil && ctx.Err() != nil:
			return last, ctx.Err()
		case err != nil:
			var nf *ipc.ApplicationNotFoundError
			if errors.As(err, &nf) {
				return last, err
			}
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			if time.Since(failingSince) > time.Minute {
				return last, err
			}
		default:
			failingSince = time.Time{}
			if last == nil || r.State != last.State || r.Diagnostics != last.Diagnostics || r.TrackingURL != last.TrackingURL || r.Attempt != last.Attempt {
				if onChange != nil {
					onChange(r)
				}
			}
			last = r
			if r.Terminal() || (until != nil && until(r)) {
				return r, nil
			}
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(interval):
		}
		interval = min(interval*2, 250*time.Millisecond) // notice the end within a quarter second (a report costs the RM ~0.1 ms)
	}
}

// Kill kills an application, waits (within ctx) until YARN reports it ended,
// calling onChange (if set) like Follow, and then, for a Spindle application,
// deletes its staging directory in the default place. It returns the last report.
func (c *Cluster) Kill(ctx context.Context, id ApplicationID, why string, onChange func(*Report)) (*Report, error) {
	rep, err := c.killAndWait(ctx, id, why, onChange)
	if err != nil {
		return rep, err
	}
	if rep.Type == ApplicationType {
		dir, err := c.defaultStagingDir(ctx, id)
		if err == nil {
			err = c.deleteStaging(ctx, dir)
		}
		if err != nil {
			return rep, fmt.Errorf("%s ended, but its staging directory is left: %w", id, err)
		}
	}
	return rep, nil
}

// killAndWait asks the RM to kill the application and follows it until it
// has ended (or ctx ends).
func (c *Cluster) killAndWait(ctx context.Context, id ApplicationID, why string, onChange func(*Report)) (*Report, error) {
	kctx, cancel := c.withRPCTimeout(ctx)
	err := c.rm.Kill(kctx, id.yarn(), why)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("kill %s: %w", id, err)
	}
	rep, err := c.Follow(ctx, id, nil, onChange)
	if err != nil {
		return rep, fmt.Errorf("wait for %s to end after killing it: %w", id, err)
	}
	return rep, nil
}

// deleteStaging deletes a staging directory (idempotent).
func (c *Cluster) deleteStaging(ctx context.Context, stagingDir string) error {
	u, err := url.Parse(stagingDir)
	if err != nil {
		return fmt.Errorf("staging directory %q: %w", stagingDir, err)
	}
	fsys, err := c.openStaging(ctx, u)
	if err != nil {
		return fmt.Errorf("open the staging filesystem: %w", err)
	}
	defer fsys.Close()
	return staging.Cleanup(ctx, fsys, u.Path)
}

// defaultStagingDir returns the URI of an application's staging directory in
// the default place, for applications submitted elsewhere.
func (c *Cluster) defaultStagingDir(ctx context.Context, id ApplicationID) (string, error) {
	fsys, err := c.openStaging(ctx, nil)
	if err != nil {
		return "", err
	}
	defer fsys.Close()
	return fsys.URL(staging.StagingDir(fsys.Home(ctx), id.String())), nil
}

// Applications lists the applications the ResourceManager knows, of the
// given types (all types when none is given), such as ApplicationType.
func (c *Cluster) Applications(ctx context.Context, types ...string) ([]*Report, error) {
	ctx, cancel := c.withRPCTimeout(ctx)
	defer cancel()
	reps, err := c.rm.Applications(ctx, yarn.ApplicationFilter{Types: types})
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	out := make([]*Report, len(reps))
	for i, p := range reps {
		out[i] = reportFromProto(p)
	}
	return out, nil
}
