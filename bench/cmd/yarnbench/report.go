package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// cell selects runs: a tool, a scenario, a container count and which
// iterations (upload: iteration 0 is the cold first submission).
type cell struct {
	tool, scenario string
	n              int
	iter           func(int) bool
}

func allIters(int) bool    { return true }
func firstIter(i int) bool { return i == 0 }
func repeatIter(i int) bool {
	return i > 0
}

// pick returns the measured runs of a cell that ran to completion.
func pick(rs []result, c cell) (ok []result, total int) {
	for _, r := range rs {
		if r.Warmup || r.Tool != c.tool || r.Scenario != c.scenario || r.N != c.n || !c.iter(r.Iter) {
			continue
		}
		total++
		if r.TimedOut || r.ExitCode != 0 || r.Err != "" {
			continue
		}
		ok = append(ok, r)
	}
	return ok, total
}

// median of the values; ok is false when there are none.
func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m], true
	}
	return (s[m-1] + s[m]) / 2, true
}

// metric extracts one figure from a run; ok false when the run lacks it.
type metric struct {
	name string
	unit string // "s", "ms", "MB", "B"
	get  func(r result) (float64, bool)
}

func durMetric(name string, f func(r result) time.Duration) metric {
	return metric{name: name, unit: "s", get: func(r result) (float64, bool) {
		d := f(r)
		return d.Seconds(), d > 0
	}}
}

func msMetric(name string, f func(r result) time.Duration, need func(r result) bool) metric {
	return metric{name: name, unit: "ms", get: func(r result) (float64, bool) {
		if need != nil && !need(r) {
			return 0, false
		}
		return float64(f(r)) / float64(time.Millisecond), true
	}}
}

// The metrics of the report.
func mSubmit() metric { return durMetric("submit", func(r result) time.Duration { return r.Submit }) }
func mTotal() metric  { return durMetric("total", func(r result) time.Duration { return r.Total }) }

func mFirst() metric {
	return metric{name: "first", unit: "s", get: func(r result) (float64, bool) {
		return r.FirstContainer.Seconds(), r.FirstContainer > 0
	}}
}

func mClientCPU() metric {
	return msMetric("clientCPU", func(r result) time.Duration { return r.ClientCPU }, nil)
}

func mClientRSS() metric {
	return metric{name: "clientRSS", unit: "MB", get: func(r result) (float64, bool) {
		return float64(r.ClientMaxRSS) / (1 << 20), r.ClientMaxRSS > 0
	}}
}

func mAMRSS() metric {
	return metric{name: "amRSS", unit: "MB", get: func(r result) (float64, bool) {
		return float64(r.AM.PeakRSS) / (1 << 20), r.AM.Found
	}}
}

func mAMCPU() metric {
	return msMetric("amCPU", func(r result) time.Duration { return r.AM.CPU }, func(r result) bool { return r.AM.Found })
}

// mAMCPUPer is the AM's CPU divided by the n containers it ran.
func mAMCPUPer(n int) metric {
	return metric{name: "amCPUPer", unit: "ms", get: func(r result) (float64, bool) {
		return float64(r.AM.CPU) / float64(time.Millisecond) / float64(n), r.AM.Found
	}}
}

func mUpTotal() metric {
	return metric{name: "uploaded", unit: "B", get: func(r result) (float64, bool) {
		return float64(r.UploadedTotal), r.Uploaded != nil
	}}
}

// mUpBinary is Spindle's own binary; DistributedShell's AppMaster.jar is its equivalent.
func mUpBinary() metric {
	return metric{name: "uploadedBinary", unit: "B", get: func(r result) (float64, bool) {
		if r.Uploaded == nil {
			return 0, false
		}
		return float64(r.Uploaded["spindle"] + r.Uploaded["AppMaster.jar"]), true
	}}
}

// value is the median of a metric over a cell, with how many runs gave it.
type value struct {
	v        float64
	ok       bool
	n, total int
}

func measure(rs []result, c cell, m metric) value {
	runs, total := pick(rs, c)
	var vs []float64
	for _, r := range runs {
		if x, ok := m.get(r); ok {
			vs = append(vs, x)
		}
	}
	v, ok := median(vs)
	return value{v: v, ok: ok, n: len(vs), total: total}
}

func (v value) format(unit string) string {
	if v.total == 0 {
		return "–"
	}
	if !v.ok {
		return fmt.Sprintf("n/a (0/%d runs)", v.total)
	}
	s := formatUnit(v.v, unit)
	if v.n < v.total {
		s += fmt.Sprintf(" (%d/%d runs)", v.n, v.total)
	}
	return s
}

func formatUnit(x float64, unit string) string {
	switch unit {
	case "s":
		if x < 10 {
			return fmt.Sprintf("%.2f s", x)
		}
		return fmt.Sprintf("%.1f s", x)
	case "ms":
		if x < 10 {
			return fmt.Sprintf("%.2f ms", x)
		}
		return fmt.Sprintf("%.0f ms", x)
	case "MB":
		return fmt.Sprintf("%.1f MB", x)
	case "B":
		return fmtBytes(int64(x))
	}
	return fmt.Sprintf("%g %s", x, unit)
}

func ratio(a, b value) string {
	if !a.ok || !b.ok || b.v == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a.v/b.v)
}

// report renders the summary table and the per-cell detail as Markdown.
func report(rs []result, setup string) string {
	var sb strings.Builder
	sb.WriteString("## Setup\n\n")
	sb.WriteString(setup)
	reportMedians(&sb, rs)
	reportTargets(&sb, rs)
	reportRuns(&sb, rs)
	var failed []string
	for _, r := range rs {
		if r.TimedOut || r.ExitCode != 0 || r.Err != "" {
			failed = append(failed, "- "+summary(r)+" (log: "+r.Log+")")
		}
	}
	if len(failed) > 0 {
		sb.WriteString("\nRuns that did not succeed (left out of the medians):\n\n")
		sb.WriteString(strings.Join(failed, "\n"))
		sb.WriteString("\n")
	}
	return sb.String()
}

// reportMedians renders the table comparing the tools' medians.
func reportMedians(sb *strings.Builder, rs []result) {
	sb.WriteString("\n## Medians\n\n")
	sb.WriteString("| # | measure | Spindle | DistributedShell | Spindle/DS |\n|---|---|---|---|---|\n")
	row := func(num, what string, c cell, m metric) {
		cs, cd := c, c
		cs.tool, cd.tool = toolSpindle, toolDS
		vs, vd := measure(rs, cs, m), measure(rs, cd, m)
		if vs.total == 0 && vd.total == 0 {
			return
		}
		fmt.Fprintf(sb, "| %s | %s | %s | %s | %s |\n", num, what, vs.format(m.unit), vd.format(m.unit), ratio(vs, vd))
	}
	ns := scaleNs(rs)
	row("1", "submit latency: start → accepted", cell{scenario: "latency", n: 1, iter: allIters}, mSubmit())
	row("2", "time to first container: start → first executor process runs", cell{scenario: "latency", n: 1, iter: allIters}, mFirst())
	for _, n := range ns {
		row("3", fmt.Sprintf("N=%d × `true`: start → client exit", n), cell{scenario: "scale", n: n, iter: allIters}, mTotal())
	}
	for _, n := range ns {
		row("4", fmt.Sprintf("AM peak RSS (VmHWM), N=%d", n), cell{scenario: "scale", n: n, iter: allIters}, mAMRSS())
	}
	for _, n := range ns {
		row("4", fmt.Sprintf("AM CPU user+sys, N=%d", n), cell{scenario: "scale", n: n, iter: allIters}, mAMCPU())
	}
	for _, n := range ns {
		row("4", fmt.Sprintf("AM CPU per container, N=%d", n), cell{scenario: "scale", n: n, iter: allIters}, mAMCPUPer(n))
	}
	for _, n := range scenarioNs(rs, "multi") {
		c := cell{scenario: "multi", n: n, iter: allIters}
		row("7", fmt.Sprintf("N=%d × `true` over several NodeManagers: start → client exit", n), c, mTotal())
		row("7", fmt.Sprintf("AM peak RSS (VmHWM), N=%d over several NodeManagers", n), c, mAMRSS())
		row("7", fmt.Sprintf("AM CPU user+sys, N=%d over several NodeManagers", n), c, mAMCPU())
		row("7", fmt.Sprintf("AM CPU per container, N=%d over several NodeManagers", n), c, mAMCPUPer(n))
	}
	if len(ns) > 0 {
		n := ns[0]
		row("5", fmt.Sprintf("client CPU user+sys, one submission followed to the end (N=%d)", n), cell{scenario: "scale", n: n, iter: allIters}, mClientCPU())
		row("5", fmt.Sprintf("client peak RSS (N=%d)", n), cell{scenario: "scale", n: n, iter: allIters}, mClientRSS())
	}
	up := cell{scenario: "upload", n: 1}
	first, rep := up, up
	first.iter, rep.iter = firstIter, repeatIter
	row("6", "first submission: bytes uploaded", first, mUpTotal())
	row("6", "first submission: binary bytes uploaded (spindle / AppMaster.jar)", first, mUpBinary())
	row("6", "repeat submission: bytes uploaded", rep, mUpTotal())
	row("6", "repeat submission: binary bytes uploaded (spindle / AppMaster.jar)", rep, mUpBinary())
	row("6", "first submission: start → accepted", first, mSubmit())
	row("6", "repeat submission: start → accepted", rep, mSubmit())
	row("6", "repeat submission: start → client exit", rep, mTotal())
}

// The speed and memory targets the report checks.
const (
	targetRatio        = 0.25 // of DistributedShell's time, start to client exit
	targetAMRSSMB      = 25   // AM peak RSS in the multi scenario
	targetAMCPUPerMs   = 1    // AM CPU per container
	targetSubmitSecond = 0.3  // submit latency with a cached binary
)

// reportTargets renders the targets' rows: each target, the measured
// median and whether it is met ("–" when the scenario did not run).
func reportTargets(sb *strings.Builder, rs []result) {
	sb.WriteString("\n## Targets\n\n| target | measured | met |\n|---|---|---|\n")
	row := func(what, measured string, ok, known bool) {
		met := "–"
		if known {
			met = map[bool]string{true: "yes", false: "NO"}[ok]
		}
		fmt.Fprintf(sb, "| %s | %s | %s |\n", what, measured, met)
	}
	timeRatio := func(what string, c cell) {
		cs, cd := c, c
		cs.tool, cd.tool = toolSpindle, toolDS
		vs, vd := measure(rs, cs, mTotal()), measure(rs, cd, mTotal())
		known := vs.ok && vd.ok && vd.v > 0
		row(what, fmt.Sprintf("%s vs %s = %s", vs.format("s"), vd.format("s"), ratio(vs, vd)), known && vs.v/vd.v <= targetRatio, known)
	}
	below := func(what string, c cell, m metric, limit float64) {
		c.tool = toolSpindle
		v := measure(rs, c, m)
		row(what, v.format(m.unit), v.v < limit, v.ok)
	}
	timeRatio(fmt.Sprintf("N=32 on one NodeManager: at most %.2f of DistributedShell's time", targetRatio),
		cell{scenario: "scale", n: 32, iter: allIters})
	for _, n := range scenarioNs(rs, "multi") {
		c := cell{scenario: "multi", n: n, iter: allIters}
		timeRatio(fmt.Sprintf("N=%d over several NodeManagers: at most %.2f of DistributedShell's time", n, targetRatio), c)
		below(fmt.Sprintf("AM peak RSS at N=%d under %d MB", n, targetAMRSSMB), c, mAMRSS(), targetAMRSSMB)
		below(fmt.Sprintf("AM CPU per container at N=%d under %d ms", n, targetAMCPUPerMs), c, mAMCPUPer(n), targetAMCPUPerMs)
	}
	below(fmt.Sprintf("submit latency (start → accepted, cached binary) under %.1f s", targetSubmitSecond),
		cell{scenario: "latency", n: 1, iter: allIters}, mSubmit(), targetSubmitSecond)
}

// reportRuns renders the table of every cell's runs.
func reportRuns(sb *strings.Builder, rs []result) {
	sb.WriteString("\n## Runs\n\n")
	sb.WriteString("| tool | scenario | N | ok/runs | median total | min–max total | median submit | AM peak RSS | AM CPU | client CPU | executors run | load avg |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	type key struct {
		tool, scen string
		n          int
	}
	var keys []key
	seen := map[key]bool{}
	for _, r := range rs {
		k := key{r.Tool, r.Scenario, r.N}
		if !seen[k] && !r.Warmup {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		c := cell{tool: k.tool, scenario: k.scen, n: k.n, iter: allIters}
		ok, total := pick(rs, c)
		lo, hi := time.Duration(-1), time.Duration(0)
		var execs []string
		for _, r := range rs {
			if r.Warmup || r.Tool != k.tool || r.Scenario != k.scen || r.N != k.n {
				continue
			}
			if r.Executors >= 0 {
				execs = append(execs, fmt.Sprint(r.Executors))
			}
		}
		for _, r := range ok {
			if lo < 0 || r.Total < lo {
				lo = r.Total
			}
			hi = max(hi, r.Total)
		}
		rangeS := "–"
		if lo >= 0 {
			rangeS = fmt.Sprintf("%.2f–%.2f s", lo.Seconds(), hi.Seconds())
		}
		ex := "–"
		if len(execs) > 0 {
			ex = strings.Join(execs, ", ")
		}
		fmt.Fprintf(sb, "| %s | %s | %d | %d/%d | %s | %s | %s | %s | %s | %s | %s | %s |\n", k.tool, k.scen, k.n, len(ok), total,
			measure(rs, c, mTotal()).format("s"), rangeS, measure(rs, c, mSubmit()).format("s"),
			measure(rs, c, mAMRSS()).format("MB"), measure(rs, c, mAMCPU()).format("ms"), measure(rs, c, mClientCPU()).format("ms"), ex,
			loadRange(rs, k.tool, k.scen, k.n))
	}
}

// scaleNs returns the container counts of the scale runs, ascending.
func scaleNs(rs []result) []int { return scenarioNs(rs, "scale") }

// scenarioNs returns the container counts of a scenario's runs, ascending.
func scenarioNs(rs []result, scenario string) []int {
	seen := map[int]bool{}
	var ns []int
	for _, r := range rs {
		if r.Scenario == scenario && !seen[r.N] {
			seen[r.N] = true
			ns = append(ns, r.N)
		}
	}
	sort.Ints(ns)
	return ns
}

func fmtDur(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// loadRange is the span of the machine's load average over a cell's runs.
func loadRange(rs []result, tool, scen string, n int) string {
	lo, hi := -1.0, 0.0
	for _, r := range rs {
		if r.Warmup || r.Tool != tool || r.Scenario != scen || r.N != n {
			continue
		}
		if lo < 0 || r.Load < lo {
			lo = r.Load
		}
		hi = max(hi, r.Load)
	}
	if lo < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f–%.1f", lo, hi)
}
