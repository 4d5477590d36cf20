package am

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// finalStatusName is YARN's name of a final status: SUCCEEDED, FAILED, KILLED.
func finalStatusName(s yarnpb.FinalApplicationStatusProto) string {
	return strings.TrimPrefix(s.String(), "APP_")
}

// summary is how the application ended, for container.SummaryFileName.
// target is the executor target before the shutdown set it to 0.
func (m *master) summary(r result, target int) container.Summary {
	s := container.Summary{App: m.App(), FinalStatus: finalStatusName(r.status), Diagnostics: r.diagnostics,
		StartedAt: m.startedAt, FinishedAt: time.Now(), Hosts: map[string]int{}, Executors: m.pool.Infos()}
	s.App.State, s.App.TargetExecutors, s.App.Running, s.App.Pending = "finished", target, 0, 0
	for i, e := range s.Executors {
		if e.State == stateStarting || e.State == stateRunning {
			s.Executors[i].State, s.Executors[i].FinishedAt = stateKilled, s.FinishedAt
			s.Executors[i].Diagnostics = "stopped by the ApplicationMaster when the application ended"
		}
	}
	if m.events != nil {
		s.Events = m.events.all()
	}
	for _, e := range s.Executors {
		if e.Host != "" {
			s.Hosts[e.Host]++
		}
	}
	for _, e := range s.Events {
		if e.Type == container.EventDriverExited && e.ExitStatus != nil {
			code := *e.ExitStatus
			s.DriverExitCode = &code
		}
	}
	return s
}

// writeSummary writes the summary into the first of the container's log
// directories (LOG_DIRS), where the NodeManager serves it and log
// aggregation keeps it after the application.
func (a *attempt) writeSummary(r result, target int) error {
	if len(a.logDirs) == 0 {
		return errors.New("LOG_DIRS is not set: no container log directory to write the summary into")
	}
	b, err := json.MarshalIndent(a.summary(r, target), "", "  ")
	if err != nil {
		return fmt.Errorf("encode the summary: %w", err)
	}
	p := filepath.Join(a.logDirs[0], container.SummaryFileName)
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write the summary: %w", err)
	}
	a.log.Infof("wrote the application summary to %s", p)
	return nil
}
