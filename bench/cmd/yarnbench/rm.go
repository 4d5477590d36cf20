package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// rmREST is a small client of the ResourceManager's REST API (the web port).
type rmREST struct {
	base string // e.g. http://127.0.0.1:18088
	user string // user.name for the PUT (pseudo/simple authentication)
	hc   *http.Client
}

func newRMREST(base, user string) *rmREST {
	return &rmREST{base: strings.TrimRight(base, "/"), user: user, hc: &http.Client{Timeout: 10 * time.Second}}
}

// appReport is the part of /ws/v1/cluster/apps/{id} the bench uses.
type appReport struct {
	ID          string `json:"id"`
	User        string `json:"user"`
	Name        string `json:"name"`
	State       string `json:"state"`
	FinalStatus string `json:"finalStatus"`
	Diagnostics string `json:"diagnostics"`
	StartedTime int64  `json:"startedTime"`
	LaunchTime  int64  `json:"launchTime"`
	FinishedTm  int64  `json:"finishedTime"`
	AppType     string `json:"applicationType"`
}

func (r *rmREST) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, firstLine(string(body)))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: decode: %w", path, err)
	}
	return nil
}

// App returns an application's report.
func (r *rmREST) App(ctx context.Context, id string) (*appReport, error) {
	var out struct {
		App appReport `json:"app"`
	}
	if err := r.get(ctx, "/ws/v1/cluster/apps/"+url.PathEscape(id), &out); err != nil {
		return nil, err
	}
	return &out.App, nil
}

// Active returns the applications that are not finished.
func (r *rmREST) Active(ctx context.Context) ([]appReport, error) {
	var out struct {
		Apps *struct {
			App []appReport `json:"app"`
		} `json:"apps"`
	}
	if err := r.get(ctx, "/ws/v1/cluster/apps?states=NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING", &out); err != nil {
		return nil, err
	}
	if out.Apps == nil {
		return nil, nil
	}
	return out.Apps.App, nil
}

// WaitFinal polls the application until it is FINISHED, FAILED or KILLED or
// ctx ends.
func (r *rmREST) WaitFinal(ctx context.Context, id string) (*appReport, error) {
	for {
		rep, err := r.App(ctx, id)
		if err == nil && terminal(rep.State) {
			return rep, nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return nil, err
			}
			return rep, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func terminal(state string) bool {
	return state == "FINISHED" || state == "FAILED" || state == "KILLED"
}

// Kill asks the RM to kill an application.
func (r *rmREST) Kill(ctx context.Context, id string) error {
	u := r.base + "/ws/v1/cluster/apps/" + url.PathEscape(id) + "/state?user.name=" + url.QueryEscape(r.user)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader([]byte(`{"state":"KILLED"}`)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return fmt.Errorf("kill %s: %w", id, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("kill %s: %s: %s", id, resp.Status, firstLine(string(body)))
	}
	return nil
}

// clusterInfo describes the cluster for the results.
type clusterInfo struct {
	RMVersion string
	Nodes     int
	MemoryMB  int64
	VCores    int64
	Scheduler string
}

// Info fetches the RM version, the nodes' capacity and the scheduler type.
func (r *rmREST) Info(ctx context.Context) (*clusterInfo, error) {
	var info struct {
		ClusterInfo struct {
			Version string `json:"resourceManagerVersion"`
		} `json:"clusterInfo"`
	}
	if err := r.get(ctx, "/ws/v1/cluster/info", &info); err != nil {
		return nil, err
	}
	var metrics struct {
		M struct {
			TotalMB     int64 `json:"totalMB"`
			TotalVCores int64 `json:"totalVirtualCores"`
			Active      int   `json:"activeNodes"`
		} `json:"clusterMetrics"`
	}
	if err := r.get(ctx, "/ws/v1/cluster/metrics", &metrics); err != nil {
		return nil, err
	}
	var sched struct {
		S struct {
			Info struct {
				Type string `json:"type"`
			} `json:"schedulerInfo"`
		} `json:"scheduler"`
	}
	_ = r.get(ctx, "/ws/v1/cluster/scheduler", &sched) // optional
	return &clusterInfo{RMVersion: info.ClusterInfo.Version, Nodes: metrics.M.Active, MemoryMB: metrics.M.TotalMB,
		VCores: metrics.M.TotalVCores, Scheduler: sched.S.Info.Type}, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
