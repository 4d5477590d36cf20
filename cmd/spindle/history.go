package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/container"
)

// printSummary shows the summary an ApplicationMaster left; full says the
// report was not available, so the summary also says who and how it ended.
func printSummary(env *cliEnv, s *container.Summary, full bool) {
	w := env.stdout
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
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.State, e.Host, e.ContainerID, exit, ran, firstLineOf(e.Diagnostics))
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "  events:\n")
	for _, e := range s.Events {
		fmt.Fprintf(w, "    %s  %-18s %s\n", e.Time.Format("15:04:05.000"), e.Type, e.Message)
	}
}

// cmdList is `spindle list`: applications, like `yarn application -list`.
func cmdList(ctx context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("list", pflag.ContinueOnError)
	var f client.ListFilter
	fs.StringSliceVar(&f.States, "state", nil, "only applications in these YARN states (NEW, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED, or ALL; default: those not finished)")
	fs.StringSliceVar(&f.Queues, "queue", nil, "only applications in these queues")
	fs.StringSliceVar(&f.Users, "user", nil, "only applications of these users")
	fs.StringSliceVar(&f.Tags, "tag", nil, "only applications with one of these tags")
	fs.StringVar(&f.Name, "name", "", "only applications whose name contains this")
	fs.StringSliceVar(&f.Types, "type", nil, "only applications of these types (default: "+client.ApplicationType+")")
	fs.BoolVar(&f.AllTypes, "all-types", false, "applications of every type (MapReduce, Spark, ...)")
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("list takes no arguments, not %q (filters are flags)", fs.Arg(0))
	}
	cl, err := connect(env)
	if err != nil {
		return err
	}
	defer cl.Close()
	reps, err := cl.List(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		if reps == nil {
			reps = []*client.Report{}
		}
		return printJSON(env, reps)
	}
	printList(env, reps)
	return nil
}

// printList prints applications as a table.
func printList(env *cliEnv, reps []*client.Report) {
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
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
	fmt.Fprintf(env.stdout, "%d application(s)\n", len(reps))
}
