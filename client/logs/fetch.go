package logs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// RM is the part of the ResourceManager client a Fetcher uses;
// *yarn.ResourceManager implements it.
type RM interface {
	// ApplicationReport reports on an application; an unknown one gives an
	// error wrapping *ipc.ApplicationNotFoundError.
	ApplicationReport(ctx context.Context, id yarn.ApplicationID) (*yarnpb.ApplicationReportProto, error)
	// Attempts lists an application's attempts.
	Attempts(ctx context.Context, id yarn.ApplicationID) ([]*yarnpb.ApplicationAttemptReportProto, error)
	// Containers lists an attempt's live containers.
	Containers(ctx context.Context, id yarn.AttemptID) ([]*yarnpb.ContainerReportProto, error)
	// ClusterNodes lists the nodes in the given states.
	ClusterNodes(ctx context.Context, states ...yarnpb.NodeStateProto) ([]*yarnpb.NodeReportProto, error)
}

var _ RM = (*yarn.ResourceManager)(nil)

// Defaults of a Fetcher.
const (
	// DefaultMaxNodeScan is Fetcher.MaxNodeScan's default.
	DefaultMaxNodeScan = 100
	// rmTimeout bounds each ResourceManager call.
	rmTimeout = 30 * time.Second
	// nodeListParallel is how many NodeManagers are listed at once.
	nodeListParallel = 8
)

// Fetcher finds an application's container logs: from the NodeManagers
// while the application runs, from the aggregated log files once it has
// finished.
type Fetcher struct {
	// RM answers questions about the application.
	RM RM
	// Conf is the Hadoop configuration (log aggregation directories, web
	// scheme, fs.defaultFS, HDFS NameNodes).
	Conf *hadoopconf.Conf
	// NM reads logs from NodeManagers (nil: NewNMClient with Conf's scheme).
	NM *NMClient
	// OpenFS opens the filesystem of aggregated logs (nil: OpenFS with Conf).
	OpenFS func(ctx context.Context, u *url.URL) (FS, error)
	// Warn receives problems that do not stop the fetch (nil: dropped).
	Warn func(msg string)
	// AcceptedWait is how long Fetch keeps looking for a running
	// application's containers while it finds none (0: one look). After a
	// ResourceManager failover or restart a running application shows
	// ACCEPTED, then RUNNING with no containers, until its AM registers
	// again with the new RM (DefaultAcceptedWait).
	AcceptedWait time.Duration
	// AM connects to a running application's ApplicationMaster API as a
	// viewer, so that Follow streams containers' stdout and stderr from it
	// (see Follow). Nil, or an error, and Follow polls the NodeManagers.
	AM func(ctx context.Context, app yarn.ApplicationID, rep *yarnpb.ApplicationReportProto) (*container.Client, error)
	// AMRetry is how long Follow polls the NodeManagers after an AM that
	// answered stops answering before it asks that AM again (0:
	// DefaultAMRetry).
	AMRetry time.Duration
	// MaxNodeScan: when the cluster has at most this many running
	// NodeManagers, all of them are asked for the application's containers,
	// which finds containers that already ended (the ResourceManager lists
	// only live ones). 0 means DefaultMaxNodeScan, negative only the nodes
	// of the live containers.
	MaxNodeScan int
}

// Options selects the logs Fetch returns.
type Options struct {
	// Containers keeps only these container ids (all if empty). An id without
	// the "e<epoch>_" part matches the container whatever its epoch.
	Containers []string
	// Files keeps only log files with these names or matching these glob
	// patterns (path.Match syntax), e.g. "stdout" or "std*" (all if empty).
	Files []string
	// Owner is the application's user, needed to find aggregated logs of an
	// application the ResourceManager no longer knows (default: the
	// configuration's user).
	Owner string
}

// Source says where logs were read from.
type Source string

// Log sources.
const (
	// SourceNodeManagers means the NodeManagers' local logs (running application).
	SourceNodeManagers Source = "nodemanagers"
	// SourceAggregated means the aggregated log files (finished application).
	SourceAggregated Source = "aggregated"
)

// Result sums up a fetch.
type Result struct {
	// Source is where the logs came from.
	Source Source
	// State is the application's YARN state ("" if the RM does not know it).
	State string
	// Files counts the log files handed out.
	Files int
	// Looked lists where Fetch looked.
	Looked []string
	// Streamed is set when Follow streamed stdout and stderr from the
	// ApplicationMaster (not by polling the NodeManagers).
	Streamed bool
	// AMRequests and NMRequests count Follow's requests to the
	// ApplicationMaster and (through the Fetcher's NM) to NodeManagers: the
	// load following added.
	AMRequests, NMRequests int64
}

// NoLogsError says that no logs were found, and where Fetch looked.
type NoLogsError struct {
	// App is the application.
	App string
	// State is its YARN state, "" if the RM does not know it.
	State string
	// Looked lists the places searched.
	Looked []string
	// Reason explains the likely cause.
	Reason string
}

// Error describes what was searched.
func (e *NoLogsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no logs found for %s", e.App)
	if e.State != "" {
		fmt.Fprintf(&b, " (%s)", e.State)
	}
	if len(e.Looked) > 0 {
		fmt.Fprintf(&b, "; looked in %s", strings.Join(e.Looked, ", "))
	}
	if e.Reason != "" {
		b.WriteString("; ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// UnknownAppError says neither the ResourceManager nor the aggregated logs
// know the application.
type UnknownAppError struct {
	// App is the application id.
	App string
	// Looked lists the aggregated log directories searched.
	Looked []string
	// Err is the ResourceManager's answer.
	Err error
}

// Error describes the unknown application.
func (e *UnknownAppError) Error() string {
	return fmt.Sprintf("application %s is unknown to the ResourceManager and has no aggregated logs in %s",
		e.App, strings.Join(e.Looked, ", "))
}

// Unwrap returns the ResourceManager's answer.
func (e *UnknownAppError) Unwrap() error { return e.Err }

func (f *Fetcher) warn(format string, args ...any) {
	if f.Warn != nil {
		f.Warn(fmt.Sprintf(format, args...))
	}
}

func (f *Fetcher) nm() *NMClient {
	if f.NM != nil {
		return f.NM
	}
	return &NMClient{Scheme: f.Conf.WebAppScheme()}
}

// filter applies Options.
type filter struct {
	containers []yarn.ContainerID
	files      []string
}

func newFilter(opts Options) (*filter, error) {
	fl := &filter{files: opts.Files}
	for _, c := range opts.Containers {
		id, err := yarn.ParseContainerID(strings.TrimSpace(c))
		if err != nil {
			return nil, fmt.Errorf("--container %q: %w", c, err)
		}
		fl.containers = append(fl.containers, id)
	}
	for _, p := range opts.Files {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("file pattern %q: %w", p, err)
		}
	}
	return fl, nil
}

// container reports whether the container id is selected. A selected id
// typed without the ResourceManager epoch ("container_<ts>_<app>_<attempt>_<n>")
// matches the container of that attempt and number whatever its epoch, since
// users copy ids from places that drop it; one typed with "e<epoch>_" must match
// exactly.
func (fl *filter) container(id string) bool {
	if len(fl.containers) == 0 {
		return true
	}
	c, err := yarn.ParseContainerID(id)
	if err != nil {
		return false
	}
	for _, want := range fl.containers {
		if want.Attempt == c.Attempt && want.Sequence() == c.Sequence() && (want.Epoch() == 0 || want.Epoch() == c.Epoch()) {
			return true
		}
	}
	return false
}

func (fl *filter) file(name string) bool {
	if len(fl.files) == 0 {
		return true
	}
	for _, p := range fl.files {
		if ok, _ := path.Match(p, name); ok || p == name {
			return true
		}
	}
	return false
}

// Fetch hands every log file of application app that opts selects to fn, in
// order: per container (by id) and file name for a running application,
// per node file and container as stored for a finished one. fn's error
// stops the fetch and is returned. When nothing is found the error is a
// *NoLogsError (or *UnknownAppError) saying where Fetch looked.
func (f *Fetcher) Fetch(ctx context.Context, app yarn.ApplicationID, opts Options, fn func(*LogFile) error) (*Result, error) {
	fl, err := newFilter(opts)
	if err != nil {
		return nil, err
	}
	rep, err := f.report(ctx, app)
	var nf *ipc.ApplicationNotFoundError
	switch {
	case errors.As(err, &nf):
		res := &Result{Source: SourceAggregated}
		owner := opts.Owner
		if owner == "" {
			owner = f.Conf.User()
		}
		err := f.fetchAggregated(ctx, app, owner, fl, res, fn)
		var nl *NoLogsError
		if errors.As(err, &nl) && nl.Reason == "" {
			return res, &UnknownAppError{App: app.String(), Looked: res.Looked, Err: nf}
		}
		return res, err
	case err != nil:
		return nil, err
	}
	res := &Result{State: rep.GetYarnApplicationState().String()}
	owner := opts.Owner
	if owner == "" {
		owner = rep.GetUser()
	}
	if !yarn.IsTerminal(rep.GetYarnApplicationState()) {
		res.Source = SourceNodeManagers
		var ended bool
		if rep, ended, err = f.fetchRunning(ctx, app, fl, opts, rep, res, fn); !ended {
			return res, err
		}
		res.State = rep.GetYarnApplicationState().String()
	}
	res.Source = SourceAggregated
	err = f.fetchAggregated(ctx, app, owner, fl, res, fn)
	var nl *NoLogsError
	if errors.As(err, &nl) {
		nl.State = res.State
		if nl.Reason == "" {
			nl.Reason = f.aggregationReason(rep)
		}
	}
	return res, err
}

// DefaultAcceptedWait is the AcceptedWait of `spindle logs`.
const DefaultAcceptedWait = 20 * time.Second

// fetchRunning reads a running application's logs from the NodeManagers.
// While nothing is found it tries again, once a second within
// f.AcceptedWait: after a ResourceManager failover or restart the
// application shows ACCEPTED, then RUNNING with no containers, until its AM
// registers again. It returns the last report, and ended=true when the
// application ended meanwhile (its logs are then the aggregated ones).
func (f *Fetcher) fetchRunning(ctx context.Context, app yarn.ApplicationID, fl *filter, opts Options, rep *yarnpb.ApplicationReportProto, res *Result, fn func(*LogFile) error) (_ *yarnpb.ApplicationReportProto, ended bool, _ error) {
	deadline := time.Now().Add(f.AcceptedWait)
	for {
		res.Looked, res.State = nil, rep.GetYarnApplicationState().String()
		seen, failed, err := f.fetchLive(ctx, app, fl, res, fn)
		if err != nil || res.Files > 0 {
			return rep, false, err
		}
		// Nothing: the application may have ended meanwhile.
		if next, err := f.report(ctx, app); err == nil {
			if yarn.IsTerminal(next.GetYarnApplicationState()) {
				return next, true, nil
			}
			rep = next
		}
		if !time.Now().Before(deadline) {
			reason := liveReason(rep.GetYarnApplicationState(), seen, opts)
			if failed > 0 {
				reason = fmt.Sprintf("%d log file(s) could not be read from the NodeManagers (see the warnings)", failed)
			}
			return rep, false, &NoLogsError{App: app.String(), State: res.State, Looked: res.Looked, Reason: reason}
		}
		select {
		case <-ctx.Done():
			return rep, false, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// report asks the RM about app, with a timeout.
func (f *Fetcher) report(ctx context.Context, app yarn.ApplicationID) (*yarnpb.ApplicationReportProto, error) {
	ctx, cancel := context.WithTimeout(ctx, rmTimeout)
	defer cancel()
	rep, err := f.RM.ApplicationReport(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("ask the ResourceManager about %s: %w", app, err)
	}
	return rep, nil
}

// liveReason explains why a running application showed no logs.
func liveReason(state yarnpb.YarnApplicationStateProto, seen map[string]bool, opts Options) string {
	switch {
	case len(seen) == 0 && state != yarnpb.YarnApplicationStateProto_RUNNING:
		return fmt.Sprintf("the application is %s and has no containers yet", state)
	case len(seen) == 0:
		return "the NodeManagers report no containers of the application"
	case len(opts.Containers) > 0 || len(opts.Files) > 0:
		return noMatchReason(seen)
	}
	return "the containers have no log files"
}

// noMatchReason says that the selection matched nothing, naming the
// containers there are.
func noMatchReason(seen map[string]bool) string {
	if len(seen) == 0 {
		return "the log files hold no container logs"
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, errA := yarn.ParseContainerID(ids[i])
		b, errB := yarn.ParseContainerID(ids[j])
		if errA != nil || errB != nil {
			return ids[i] < ids[j]
		}
		return containerLess(a, b)
	})
	return fmt.Sprintf("no log file matches the --container/--file selection (the application's containers: %s)", strings.Join(ids, ", "))
}

// aggregationReason explains why a finished application has no aggregated logs.
func (f *Fetcher) aggregationReason(rep *yarnpb.ApplicationReportProto) string {
	if on, err := f.Conf.GetBool(KeyLogAggregationEnable, false); err == nil && !on {
		return fmt.Sprintf("log aggregation is off in this configuration (%s=false): the logs stay on the NodeManagers' local disks (yarn.nodemanager.log-dirs) and their web UI only", KeyLogAggregationEnable)
	}
	if ft := rep.GetFinishTime(); ft > 0 && time.Since(time.UnixMilli(ft)) < 5*time.Minute {
		return "the application finished recently: the NodeManagers may still be uploading its logs, try again in a few seconds"
	}
	return fmt.Sprintf("log aggregation may be off on the NodeManagers (%s) or the logs were deleted (yarn.log-aggregation.retain-seconds)", KeyLogAggregationEnable)
}

// liveContainer is a container found on a NodeManager or in an RM report.
type liveContainer struct {
	id     yarn.ContainerID
	web    string   // NodeManager web address
	node   string   // node id host:port
	files  []string // names, if the NodeManager listed them
	listed bool     // files came from a NodeManager listing
}

// discover finds the containers of a running application: the live ones
// the ResourceManager reports, plus every container of the application that
// the NodeManagers still track (those of the reported containers' nodes, and
// of all running nodes when there are at most MaxNodeScan). It returns them
// ordered by id.
func (f *Fetcher) discover(ctx context.Context, app yarn.ApplicationID, res *Result) []*liveContainer {
	found := map[yarn.ContainerID]*liveContainer{}
	webs := map[string]bool{}
	var webOrder []string
	addWeb := func(w string) {
		key := strings.TrimPrefix(strings.TrimPrefix(strings.TrimRight(w, "/"), "http://"), "https://")
		if w != "" && !webs[key] {
			webs[key] = true
			webOrder = append(webOrder, w)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, rmTimeout)
	defer cancel()
	atts, err := f.RM.Attempts(rctx, app)
	if err != nil && ctx.Err() == nil { // an interrupt is no news
		f.warn("listing the attempts of %s: %v", app, err)
	}
	for _, a := range atts {
		att := yarn.AttemptIDFromProto(a.GetApplicationAttemptId())
		cs, err := f.RM.Containers(rctx, att)
		if err != nil {
			if ctx.Err() == nil {
				f.warn("listing the containers of %s: %v", att, err)
			}
			continue
		}
		for _, c := range cs {
			id := yarn.ContainerIDFromProto(c.GetContainerId())
			found[id] = &liveContainer{id: id, web: c.GetNodeHttpAddress(), node: yarn.NodeAddress(c.GetNodeId())}
			addWeb(c.GetNodeHttpAddress())
		}
	}
	if max := f.MaxNodeScan; max >= 0 {
		if max == 0 {
			max = DefaultMaxNodeScan
		}
		nodes, err := f.RM.ClusterNodes(rctx, yarnpb.NodeStateProto_NS_RUNNING)
		switch {
		case err != nil:
			f.warn("listing the cluster's nodes: %v", err)
		case len(nodes) <= max:
			for _, n := range nodes {
				addWeb(n.GetHttpAddress())
			}
		}
	}
	cancel()
	if res != nil {
		res.Looked = append(res.Looked, "the ResourceManager's container reports")
		for _, w := range webOrder {
			res.Looked = append(res.Looked, "NodeManager "+w)
		}
	}
	listings := f.listNodes(ctx, webOrder)
	for i, w := range webOrder {
		if listings[i].err != nil {
			f.warn("%v", listings[i].err)
			continue
		}
		for _, c := range listings[i].containers {
			id, err := yarn.ParseContainerID(c.ID)
			if err != nil || id.App() != app {
				continue
			}
			lc := found[id]
			if lc == nil {
				lc = &liveContainer{id: id}
				found[id] = lc
			}
			lc.web, lc.node, lc.files, lc.listed = w, c.NodeID, c.LogFiles, true
		}
	}
	out := make([]*liveContainer, 0, len(found))
	for _, lc := range found {
		out = append(out, lc)
	}
	sort.Slice(out, func(i, j int) bool { return containerLess(out[i].id, out[j].id) })
	return out
}

// fetchLive reads the logs of a running application from the NodeManagers.
// It returns the ids of all containers found (before filtering) and how many
// containers or files could not be read.
func (f *Fetcher) fetchLive(ctx context.Context, app yarn.ApplicationID, fl *filter, res *Result, fn func(*LogFile) error) (seen map[string]bool, failed int, err error) {
	cs := f.discover(ctx, app, res)
	seen = map[string]bool{}
	nm := f.nm()
	for _, lc := range cs {
		seen[lc.id.String()] = true
		if !fl.container(lc.id.String()) {
			continue
		}
		names := lc.files
		if !lc.listed {
			files, node, err := nm.LogFiles(ctx, lc.web, lc.id.String())
			if err != nil {
				if ctx.Err() != nil {
					return seen, failed, ctx.Err()
				}
				f.warn("%v", err)
				failed++
				continue
			}
			if node != "" {
				lc.node = node
			}
			names = nil
			for _, fi := range files {
				names = append(names, fi.Name)
			}
		}
		names = append([]string(nil), names...)
		sort.Strings(names)
		for _, name := range names {
			if !fl.file(name) {
				continue
			}
			ok, err := f.readLive(ctx, nm, lc, name, res, fn)
			if err != nil {
				return seen, failed, err
			}
			if !ok {
				failed++
			}
		}
	}
	return seen, failed, nil
}

// readLive hands one NodeManager log file to fn. It reports false when the
// file could not be read (after a warning); errors are fn's or ctx's.
func (f *Fetcher) readLive(ctx context.Context, nm *NMClient, lc *liveContainer, name string, res *Result, fn func(*LogFile) error) (bool, error) {
	l, err := nm.OpenLog(ctx, lc.web, lc.id.String(), name, 0)
	if errors.Is(err, ErrGone) {
		f.warn("%s is gone from NodeManager %s (it may have just finished): %v", lc.id, lc.web, err)
		return false, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		f.warn("%v", err)
		return false, nil
	}
	defer l.Close()
	res.Files++
	if err := fn(&LogFile{Container: lc.id.String(), Node: lc.node, Name: name, Length: l.Length, Content: l.Content}); err != nil {
		return true, err
	}
	return true, nil
}

// containerLess orders containers by attempt, then number.
func containerLess(a, b yarn.ContainerID) bool {
	if a.Attempt.Attempt != b.Attempt.Attempt {
		return a.Attempt.Attempt < b.Attempt.Attempt
	}
	if a.Sequence() != b.Sequence() {
		return a.Sequence() < b.Sequence()
	}
	return a.Epoch() < b.Epoch()
}

// nodeListing is one NodeManager's container list.
type nodeListing struct {
	containers []NMContainer
	err        error
}

// listNodes lists the containers of the NodeManagers at webs, a few at once.
func (f *Fetcher) listNodes(ctx context.Context, webs []string) []nodeListing {
	out := make([]nodeListing, len(webs))
	sem := make(chan struct{}, nodeListParallel)
	var wg sync.WaitGroup
	nm := f.nm()
	for i, w := range webs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cs, err := nm.Containers(ctx, w)
			out[i] = nodeListing{containers: cs, err: err}
		}()
	}
	wg.Wait()
	return out
}

// fetchAggregated reads the aggregated logs of app owned by owner.
func (f *Fetcher) fetchAggregated(ctx context.Context, app yarn.ApplicationID, owner string, fl *filter, res *Result, fn func(*LogFile) error) error {
	dirs, err := AppLogDirs(f.Conf, owner, app.String(), app.ID)
	if err != nil {
		return err
	}
	open := f.OpenFS
	if open == nil {
		open = func(ctx context.Context, u *url.URL) (FS, error) { return OpenFS(ctx, f.Conf, u) }
	}
	filesystems := map[string]FS{}
	defer func() {
		for _, fsys := range filesystems {
			fsys.Close()
		}
	}()
	pending := 0
	seen := map[string]bool{} // containers stored, before filtering
	for _, dir := range dirs {
		res.Looked = append(res.Looked, dir.Redacted())
		root := (&url.URL{Scheme: dir.Scheme, Host: dir.Host}).String()
		fsys := filesystems[root]
		if fsys == nil {
			if fsys, err = open(ctx, dir); err != nil {
				return fmt.Errorf("open %s for the aggregated logs: %w", root, err)
			}
			filesystems[root] = fsys
		}
		ents, err := fsys.ReadDir(ctx, dir.Path)
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("list the aggregated logs in %s: %w", dir.Redacted(), err)
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name < ents[j].Name })
		nodeFiles := 0
		for _, e := range ents {
			switch {
			case e.IsDir || strings.HasPrefix(e.Name, "."):
				continue
			case strings.HasSuffix(e.Name, tmpSuffix):
				pending++
				continue
			}
			nodeFiles++
			if err := f.readNodeFile(ctx, fsys, dir, e, app, fl, seen, res, fn); err != nil {
				return err
			}
		}
		if nodeFiles == 0 {
			continue
		}
		if res.Files == 0 {
			return &NoLogsError{App: app.String(), Looked: res.Looked, Reason: noMatchReason(seen)}
		}
		return nil
	}
	reason := ""
	if pending > 0 {
		reason = fmt.Sprintf("%d NodeManager(s) are still uploading the logs (.tmp files), try again in a few seconds", pending)
	}
	return &NoLogsError{App: app.String(), Looked: res.Looked, Reason: reason}
}

// readNodeFile reads one node's aggregated log file.
func (f *Fetcher) readNodeFile(ctx context.Context, fsys FS, dir *url.URL, e DirEntry, app yarn.ApplicationID, fl *filter, seen map[string]bool, res *Result, fn func(*LogFile) error) error {
	p := path.Join(dir.Path, e.Name)
	where := (&url.URL{Scheme: dir.Scheme, Host: dir.Host, Path: p}).Redacted()
	file, err := fsys.Open(ctx, p)
	if err != nil {
		return fmt.Errorf("open %s: %w", where, err)
	}
	defer file.Close()
	format, err := DetectFormat(file, file.Size(), app.String())
	if err != nil {
		return fmt.Errorf("read %s: %w", where, err)
	}
	switch format {
	case FormatIndexed:
		return fmt.Errorf("read %s: %w", where, ErrIndexedFormat)
	case FormatUnknown:
		f.warn("skipping %s: not an aggregated log file in a known format", where)
		return nil
	}
	node := nodeFromFileName(e.Name)
	var stop error // from ctx or fn: returned as is
	_, err = ReadAggregated(file, file.Size(), func(lf *LogFile) error {
		if stop = ctx.Err(); stop != nil {
			return stop
		}
		seen[lf.Container] = true
		if !fl.container(lf.Container) || !fl.file(lf.Name) {
			return nil
		}
		lf.Node = node
		res.Files++
		stop = fn(lf)
		return stop
	})
	if err != nil && stop == nil {
		return fmt.Errorf("read %s: %w", where, err)
	}
	return err
}

// nodeFromFileName turns a node file name back into the node id:
// "host_port" (NodeId with ':' replaced by '_'), with rolling aggregation
// "host_port_<upload time in ms>".
func nodeFromFileName(name string) string {
	parts := strings.Split(name, "_")
	if n := len(parts); n >= 3 && len(parts[n-1]) >= 10 && isDigits(parts[n-1]) && isDigits(parts[n-2]) {
		parts = parts[:n-1]
	}
	if len(parts) < 2 {
		return name
	}
	return strings.Join(parts[:len(parts)-1], "_") + ":" + parts[len(parts)-1]
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
