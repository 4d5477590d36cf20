package console

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/container"
)

// PrintJSON writes v to w as indented JSON, for the --json flags.
func PrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ReportPrinter returns the callback for client.RunConfig.OnReport that logs
// state changes: the end once, scheduler diagnostics shortened, the tracking
// URL when it changes.
func ReportPrinter(log *logrus.Logger) func(*client.Report) {
	shownURL := ""
	return func(r *client.Report) {
		line := fmt.Sprintf("%s %s", r.ID, r.State)
		if r.Terminal() {
			line = fmt.Sprintf("%s ended %s/%s", r.ID, r.State, r.FinalStatus)
		}
		if r.Diagnostics != "" {
			line += ": " + BriefDiagnostics(r.Diagnostics)
		}
		if r.Terminal() && !r.Succeeded() {
			log.Error(line)
		} else {
			log.Info(line)
		}
		if r.TrackingURL != "" && r.TrackingURL != shownURL && !r.Terminal() {
			shownURL = r.TrackingURL
			log.Infof("tracking URL: %s", r.TrackingURL)
		}
	}
}

// PrintStatus writes an application's report, one field a line.
func PrintStatus(w io.Writer, r *client.Report) {
	fmt.Fprintf(w, "Application:  %s\n", r.ID)
	fmt.Fprintf(w, "Name:         %s\n", r.Name)
	fmt.Fprintf(w, "Type:         %s\n", r.Type)
	fmt.Fprintf(w, "User:         %s\n", r.User)
	fmt.Fprintf(w, "Queue:        %s\n", r.Queue)
	fmt.Fprintf(w, "State:        %s\n", r.State)
	fmt.Fprintf(w, "Final status: %s\n", r.FinalStatus)
	fmt.Fprintf(w, "Progress:     %.0f%%\n", 100*r.Progress)
	if !r.StartTime.IsZero() {
		fmt.Fprintf(w, "Started:      %s\n", r.StartTime.Format(time.RFC3339))
	}
	if !r.FinishTime.IsZero() {
		fmt.Fprintf(w, "Finished:     %s (after %s)\n", r.FinishTime.Format(time.RFC3339), r.FinishTime.Sub(r.StartTime).Round(time.Millisecond))
	}
	if r.TrackingURL != "" {
		fmt.Fprintf(w, "Tracking URL: %s\n", r.TrackingURL)
	}
	if r.AMHost != "" {
		fmt.Fprintf(w, "AM:           %s:%d\n", r.AMHost, r.AMPort)
	}
	if r.Diagnostics != "" {
		fmt.Fprintf(w, "Diagnostics:  %s\n", r.Diagnostics)
	}
}

// PrintSummary writes the summary an ApplicationMaster left; full says the
// report was not available, so the summary also says who and how it ended.
func PrintSummary(w io.Writer, s *container.Summary, full bool) {
	if full {
		fmt.Fprintf(w, "Application:  %s (the ResourceManager no longer knows it; from its summary)\n", s.App.ID)
		fmt.Fprintf(w, "Name:         %s\n", s.App.Name)
		fmt.Fprintf(w, "User:         %s\n", s.App.User)
		fmt.Fprintf(w, "Queue:        %s\n", s.App.Queue)
		fmt.Fprintf(w, "Final status: %s\n", s.FinalStatus)
		fmt.Fprintf(w, "Diagnostics:  %s\n", s.Diagnostics)
	}
	fmt.Fprintf(w, "\nSummary (attempt %d of %d, %s mode, %s to %s, %s):\n", s.App.Attempt, s.App.MaxAttempts, s.App.Mode,
		s.StartedAt.Format(time.RFC3339), s.FinishedAt.Format(time.RFC3339), s.FinishedAt.Sub(s.StartedAt).Round(time.Millisecond))
	if s.DriverExitCode != nil {
		fmt.Fprintf(w, "  driver exit code: %d\n", *s.DriverExitCode)
	}
	fmt.Fprintf(w, "  executors: %d run, %d failed (of %d allowed), target %d\n", len(s.Executors), s.App.Failed, s.App.FailureBudget, s.App.TargetExecutors)
	hosts := make([]string, 0, len(s.Hosts))
	for h, n := range s.Hosts {
		hosts = append(hosts, fmt.Sprintf("%s (%d)", h, n))
	}
	slices.Sort(hosts)
	fmt.Fprintf(w, "  hosts: %s\n", strings.Join(hosts, ", "))
	if len(s.Executors) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  ID\tSTATE\tHOST\tCONTAINER\tEXIT\tRAN\tDIAGNOSTICS")
		for _, e := range s.Executors {
			exit, ran := "", ""
			if e.ExitStatus != nil {
				exit = fmt.Sprint(*e.ExitStatus)
			}
			if !e.StartedAt.IsZero() && !e.FinishedAt.IsZero() {
				ran = e.FinishedAt.Sub(e.StartedAt).Round(100 * time.Millisecond).String()
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.State, e.Host, e.ContainerID, exit, ran, FirstLine(e.Diagnostics))
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "  events:\n")
	for _, e := range s.Events {
		fmt.Fprintf(w, "    %s  %-18s %s\n", e.Time.Format("15:04:05.000"), e.Type, e.Message)
	}
}

// PrintList writes applications as a table.
func PrintList(w io.Writer, reps []*client.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APPLICATION\tNAME\tTYPE\tUSER\tQUEUE\tSTATE\tFINAL\tSTARTED\tELAPSED\tTRACKING URL")
	for _, r := range reps {
		started, elapsed := "", ""
		if !r.StartTime.IsZero() {
			started = r.StartTime.Format("2006-01-02 15:04:05")
			end := r.FinishTime
			if end.IsZero() {
				end = time.Now()
			}
			elapsed = end.Sub(r.StartTime).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Type, r.User, r.Queue, r.State, r.FinalStatus, started, elapsed, r.TrackingURL)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d application(s)\n", len(reps))
}

// PrintClusterInfo writes the cluster's nodes, metrics and queues as tables.
func PrintClusterInfo(w io.Writer, info *client.ClusterInfo) {
	m := info.Metrics
	fmt.Fprintf(w, "ResourceManager %s: %d NodeManagers (%d active, %d lost, %d unhealthy, %d decommissioned, %d rebooted)\n\n",
		info.ResourceManager, m.NodeManagers, m.Active, m.Lost, m.Unhealthy, m.Decommission, m.Rebooted)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	types := extraResourceTypes(info)
	fmt.Fprint(tw, "NODE\tSTATE\tCONTAINERS\tMEMORY USED/TOTAL\tVCORES USED/TOTAL")
	for _, t := range types {
		fmt.Fprintf(tw, "\t%s USED/TOTAL", strings.ToUpper(t))
	}
	fmt.Fprintln(tw, "\tHTTP ADDRESS")
	for _, n := range info.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d/%d MB\t%d/%d", n.ID, n.State, n.Containers,
			n.UsedMemoryMB, n.TotalMemoryMB, n.UsedVCores, n.TotalVCores)
		for _, t := range types {
			fmt.Fprintf(tw, "\t%s", nodeResourceCell(n, t))
		}
		fmt.Fprintf(tw, "\t%s\n", n.HTTPAddress)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tSTATE\tCAPACITY\tMAX CAPACITY\tUSED")
	for _, q := range info.Queues {
		fmt.Fprintf(tw, "%s\t%s\t%.1f%%\t%.1f%%\t%.1f%%\n", q.Name, q.State, 100*q.Capacity, 100*q.MaximumCapacity, 100*q.CurrentCapacity)
	}
	tw.Flush()
}

// extraResourceTypes are the resource types besides memory and vcores that
// the RM reports or any node has, in order.
func extraResourceTypes(info *client.ClusterInfo) []string {
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if name != "memory-mb" && name != "vcores" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, t := range info.ResourceTypes {
		add(t.Name)
	}
	for _, n := range info.Nodes {
		for _, r := range n.Resources {
			add(r.Name)
		}
	}
	return out
}

// nodeResourceCell is "used/total[ units]" of one resource type on a node, or "-".
func nodeResourceCell(n client.NodeInfo, name string) string {
	for _, r := range n.Resources {
		if r.Name == name {
			s := fmt.Sprintf("%d/%d", r.Used, r.Total)
			if r.Units != "" {
				s += " " + r.Units
			}
			return s
		}
	}
	return "-"
}
