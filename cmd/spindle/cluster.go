package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
)

func cmdCluster(ctx context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("cluster", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("cluster takes no arguments, not %q", fs.Arg(0))
	}
	cl, err := connect(env)
	if err != nil {
		return err
	}
	defer cl.Close()
	info, err := cl.Info(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, info)
	}
	printClusterInfo(env, info)
	return nil
}

func printClusterInfo(env *cliEnv, info *client.ClusterInfo) {
	m := info.Metrics
	fmt.Fprintf(env.stdout, "ResourceManager %s: %d NodeManagers (%d active, %d lost, %d unhealthy, %d decommissioned, %d rebooted)\n\n",
		info.ResourceManager, m.NodeManagers, m.Active, m.Lost, m.Unhealthy, m.Decommission, m.Rebooted)
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
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
	fmt.Fprintln(env.stdout)
	tw = tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
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
