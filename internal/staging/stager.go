package staging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/spindle-yarn/spindle/internal/spec"
)

// Item is one file a submission ships to its containers.
type Item struct {
	// Source says where the file is:
	//   - a local path (relative to the working directory or absolute) or a
	//     file:// URI: uploaded to the staging directory — unless fs.defaultFS
	//     is itself file://, in which case a file:// URI is used in place
	//     (a plain path is still copied);
	//   - a URI on fs.defaultFS (same scheme and authority, e.g.
	//     hdfs://ns/data/x.zip or hdfs:///data/x.zip): used in place, nothing
	//     is uploaded;
	//   - local:/path: already present at that path on every node. YARN
	//     cannot localize such files; they are returned in Staged.NodeLocal
	//     for the caller to put on the command line or PATH.
	// A "#name" suffix sets the link name in the container's working
	// directory (default: the file's base name). Local paths containing '#'
	// must therefore be given with an explicit #name.
	Source string
	// LinkName, when set, overrides both the #name suffix and the base name.
	LinkName string
	// Type is spec.TypeFile (also when empty) or spec.TypeArchive. Archives
	// are extracted by the NodeManager into a directory named after the link
	// and must end in .zip, .tar.gz, .tgz or .tar.
	Type string
	// Origin names where the item came from for error messages, such as
	// "--files" or "APP"; Plan does not use it otherwise.
	Origin string
}

// Location says where a planned item's file is.
type Location int

const (
	// Local files are uploaded to the staging directory (or, for file://
	// URIs on a file:// fs.defaultFS, used in place).
	Local Location = iota
	// Cluster files are on fs.defaultFS already and used in place.
	Cluster
	// NodeLocal files (local:/path) are on every node and not localized.
	NodeLocal
)

// String returns "local", "cluster" or "node-local".
func (l Location) String() string {
	switch l {
	case Local:
		return "local"
	case Cluster:
		return "cluster"
	case NodeLocal:
		return "node-local"
	}
	return fmt.Sprintf("Location(%d)", int(l))
}

// PlannedItem is an Item after validation.
type PlannedItem struct {
	// Source is the item's source as given.
	Source string
	// Name is the link name (for NodeLocal items: the base name, unused).
	Name string
	// Type is spec.TypeFile or spec.TypeArchive.
	Type string
	// Location says where the file is.
	Location Location
	// Path is the absolute local path (Local), the path on the cluster
	// filesystem (Cluster) or the path on the nodes (NodeLocal).
	Path string
	// URI is the source URI without its fragment, nil for plain local paths.
	URI *url.URL
	// Size is the local file's size when planned (Local only).
	Size int64
	// StagedName is the file's name in the staging directory when it is
	// uploaded: its own base name, unless that would not survive YARN's
	// launch script or a URI (spec.SafeName) or is taken. The link name is
	// Name; the NodeManager decides from this name's extension whether and
	// how it extracts an archive.
	StagedName string
}

// Plan is a validated list of items, ready for Stager.Stage. It is built
// by Stager.Plan without touching the cluster.
type Plan struct {
	// Items are the planned items, in the order given.
	Items []PlannedItem
}

// Outcome says what staging did for one item.
type Outcome int

const (
	// Uploaded means the bytes were copied to the cluster filesystem.
	Uploaded Outcome = iota
	// Cached means an identical file was already in the binary cache.
	Cached
	// OnCluster means the file was already on fs.defaultFS and is used in
	// place.
	OnCluster
)

// String returns "uploaded", "cached" or "on cluster".
func (o Outcome) String() string {
	switch o {
	case Uploaded:
		return "uploaded"
	case Cached:
		return "cached"
	case OnCluster:
		return "on cluster"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Report describes what happened to one item.
type Report struct {
	// Name is the link name.
	Name string
	// Source is the item's source as given.
	Source string
	// URL is the resource's fully qualified URI.
	URL string
	// Outcome says whether it was uploaded, found in the cache or used in
	// place.
	Outcome Outcome
	// Bytes is the number of bytes uploaded (0 unless something was
	// written; a cache entry lost to a concurrent submitter still counts).
	Bytes int64
	// Size is the resource's size.
	Size int64
}

// Staged is the result of Stager.Stage.
type Staged struct {
	// Resources are the LocalResources, in plan order (NodeLocal items
	// excluded).
	Resources []spec.Resource
	// NodeLocal are the paths of local: items, in plan order: files already
	// present on every node, which YARN does not localize. The caller refers
	// to them by absolute path (command line, PATH).
	NodeLocal []string
	// Reports describe each resource, parallel to Resources.
	Reports []Report
}

// Stager plans and performs a submission's uploads. The zero value is ready
// to use; a Stager may be used for several calls, also concurrently.
type Stager struct {
	// Parallel is the number of files uploaded at once (default 4).
	Parallel int
	// Progress, when set, receives progress events. Calls are serialized
	// (one at a time, also across concurrent Stage and StageCached calls of
	// this Stager), so the function need not be safe for concurrent use.
	Progress ProgressFunc

	mu     sync.Mutex
	nextID atomic.Int64
}

// Plan validates items without touching the cluster: sources parse, local
// files exist and are regular files, archive names have an extension YARN
// extracts, link names are valid and unique. It returns every problem found,
// joined.
func (s *Stager) Plan(items []Item) (*Plan, error) {
	plan := &Plan{Items: make([]PlannedItem, 0, len(items))}
	var errs []error
	byName := map[string]string{} // link name -> source
	for _, it := range items {
		pi, err := planItem(it)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if pi.Location != NodeLocal {
			if prev, dup := byName[pi.Name]; dup {
				errs = append(errs, fmt.Errorf("link name %q is used by both %q and %q; give one of them another name with a #alias suffix (e.g. %s#other-%s)", pi.Name, prev, it.Source, stripFragment(it.Source), pi.Name))
				continue
			}
			byName[pi.Name] = it.Source
		}
		plan.Items = append(plan.Items, pi)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("staging: %w", errors.Join(errs...))
	}
	nameStaged(plan)
	return plan, nil
}

// nameStaged gives each item to upload a distinct name in the staging
// directory, keeping its extension.
func nameStaged(plan *Plan) {
	taken := map[string]bool{spec.FileName: true, spec.ExecutorFileName: true, spec.ConfLink + ".zip": true}
	for i := range plan.Items {
		it := &plan.Items[i]
		if it.Location != Local {
			continue
		}
		name := spec.SafeName(filepath.Base(it.Path))
		for n := 1; taken[name]; n++ {
			name = fmt.Sprintf("%d-%s", n, spec.SafeName(filepath.Base(it.Path)))
		}
		taken[name] = true
		it.StagedName = name
	}
}

// planItem parses and validates one item.
func planItem(it Item) (PlannedItem, error) {
	pi := PlannedItem{Source: it.Source, Type: it.Type}
	if pi.Type == "" {
		pi.Type = spec.TypeFile
	}
	if pi.Type != spec.TypeFile && pi.Type != spec.TypeArchive {
		return pi, fmt.Errorf("%q: unknown resource type %q (want %q or %q)", it.Source, it.Type, spec.TypeFile, spec.TypeArchive)
	}
	// Not trimmed: a quoted list item keeps its spaces (client.SplitList
	// already dropped the unquoted ones), and a file name may end in one.
	src := it.Source
	if strings.TrimSpace(src) == "" {
		return pi, errors.New("empty source")
	}
	var alias, base string
	if scheme, ok := uriScheme(src); ok {
		var err error
		if alias, base, err = planURI(it, src, scheme, &pi); err != nil || pi.Location == NodeLocal {
			return pi, err
		}
	} else {
		p := src
		if i := strings.LastIndex(p, "#"); i >= 0 {
			p, alias = p[:i], p[i+1:]
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return pi, fmt.Errorf("%q: %w", it.Source, err)
		}
		pi.Location, pi.Path, base = Local, abs, filepath.Base(abs)
	}

	pi.Name = base
	if alias != "" {
		pi.Name = alias
	}
	if it.LinkName != "" {
		pi.Name = it.LinkName
	}
	if err := spec.CheckLinkName(pi.Name); err != nil {
		return pi, fmt.Errorf("%q: %w", it.Source, err)
	}
	if pi.Type == spec.TypeArchive && !archiveExt(base) {
		return pi, fmt.Errorf("%q: YARN extracts only .zip, .jar, .tar.gz, .tgz and .tar archives; repackage it as one of those, or pass it as a plain file (--files) to ship it unextracted", it.Source)
	}
	if pi.Location == Cluster && !spec.ShellSafe(base) {
		// The NodeManager links the file from a path ending in this name, in double quotes in bash.
		return pi, fmt.Errorf("%q: the file name %q holds a character YARN's launch script (bash) would not keep as it is ($ ` \" \\ or a newline): rename the file on the cluster, or give a local copy, which spindle stages under a safe name", it.Source, base)
	}
	if pi.Location != Local {
		return pi, nil
	}
	if err := statLocal(it, &pi, base); err != nil {
		return pi, err
	}
	if pi.Type == spec.TypeArchive {
		if err := CheckArchive(pi.Path); err != nil {
			return pi, fmt.Errorf("%q: %w; repackage it, or pass it with --files to ship it unextracted", it.Source, err)
		}
	}
	return pi, nil
}

// planURI plans an item given as a URI with scheme: it sets pi's URI, path
// and location and returns the URI's #alias and base name. A local: item is
// complete when it returns (Location NodeLocal).
func planURI(it Item, src, scheme string, pi *PlannedItem) (alias, base string, err error) {
	u, err := url.Parse(src)
	if err != nil {
		return "", "", fmt.Errorf("%q: %w", it.Source, err)
	}
	alias = u.Fragment
	u.Fragment, u.RawFragment = "", ""
	if u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || u.Path == "/" {
		return "", "", fmt.Errorf("%q: the URI has no absolute file path (write %s:///absolute/path or %s://host/absolute/path)", it.Source, scheme, scheme)
	}
	pi.URI, pi.Path, base = u, path.Clean(u.Path), path.Base(u.Path)
	switch scheme {
	case "local":
		if u.Host != "" {
			return "", "", fmt.Errorf("%q: local: URIs name a path on every node and take no host (write local:/absolute/path)", it.Source)
		}
		if pi.Type == spec.TypeArchive {
			return "", "", fmt.Errorf("%q: a local: archive is not extracted by YARN; extract it on the nodes and refer to the directory, or ship the archive with a local path or cluster URI", it.Source)
		}
		pi.Location, pi.Name = NodeLocal, base
	case "file":
		if h := u.Hostname(); h != "" && h != "localhost" {
			return "", "", fmt.Errorf("%q: file: URIs must be local (file:///absolute/path)", it.Source)
		}
		pi.Location = Local
	default:
		pi.Location = Cluster
	}
	return alias, base, nil
}

// statLocal checks that a local item is a regular file and records its size.
func statLocal(it Item, pi *PlannedItem, base string) error {
	fi, err := os.Stat(pi.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%q: local file %s does not exist", it.Source, pi.Path)
	case err != nil:
		return fmt.Errorf("%q: %w", it.Source, err)
	case fi.IsDir():
		return fmt.Errorf("%q: %s is a directory; YARN localizes files: zip it (cd dir && zip -r ../%s.zip .) and pass the zip with --archives, which YARN extracts into a directory named after the link", it.Source, pi.Path, base)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%q: %s is not a regular file", it.Source, pi.Path)
	}
	pi.Size = fi.Size()
	return nil
}

// uriScheme reports whether s starts with a URI scheme ("hdfs:", "file:",
// "local:", ...). Single letters are not schemes (Windows drive letters).
func uriScheme(s string) (string, bool) {
	i := strings.Index(s, ":")
	if i < 2 {
		return "", false
	}
	for j, r := range s[:i] {
		alpha := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !alpha && (j == 0 || !(r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return "", false
		}
	}
	return strings.ToLower(s[:i]), true
}

// stripFragment removes a "#name" suffix.
func stripFragment(s string) string {
	if i := strings.LastIndex(s, "#"); i >= 0 {
		return s[:i]
	}
	return s
}

// archiveExt reports whether name ends in an extension YARN extracts.
func archiveExt(name string) bool {
	n := strings.ToLower(name)
	for _, ext := range []string{".zip", ".jar", ".tar.gz", ".tgz", ".tar"} {
		if strings.HasSuffix(n, ext) && len(n) > len(ext) {
			return true
		}
	}
	return false
}

// Stage performs plan: it creates stagingDir (mode 0700, parents too),
// uploads local files to stagingDir/<link name> (mode 0644), up to Parallel at
// a time, uses files already on fs.defaultFS in place, and builds a
// spec.Resource for each from the filesystem's own status of the file,
// read back after the upload completed. Items on another filesystem than
// fsys are an error, detected before anything is written. On error, files
// already uploaded stay; remove them with Cleanup.
func (s *Stager) Stage(ctx context.Context, fsys FS, stagingDir string, plan *Plan) (*Staged, error) {
	if plan == nil {
		return nil, errors.New("staging: nil plan")
	}
	dir, err := checkPath(stagingDir)
	if err != nil {
		return nil, fmt.Errorf("staging: staging directory: %w", err)
	}
	root := fsys.Root()
	if err := prepareDir(ctx, fsys, dir, plan); err != nil {
		return nil, err
	}
	ids := make([]int64, len(plan.Items))
	out := &Staged{}
	for i, it := range plan.Items {
		if it.Location == NodeLocal {
			out.NodeLocal = append(out.NodeLocal, it.Path)
			continue
		}
		ids[i] = s.nextID.Add(1)
		total := int64(0)
		if s.uploads(it, root) {
			total = it.Size
		}
		s.emit(Event{Kind: EventStart, ID: ids[i], Name: it.Name, Source: it.Source, Total: total})
	}
	results, err := s.stageAll(ctx, fsys, root, dir, plan, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if r != nil {
			out.Resources = append(out.Resources, r.res)
			out.Reports = append(out.Reports, r.rep)
		}
	}
	return out, nil
}

// prepareDir checks that every cluster item is on fsys and creates the
// staging directory with exactly DirPerm.
func prepareDir(ctx context.Context, fsys FS, dir string, plan *Plan) error {
	root := fsys.Root()
	for _, it := range plan.Items {
		if it.Location == Cluster && !sameFS(it.URI, root) {
			return fmt.Errorf("staging: %q is on %s://%s, but fs.defaultFS is %s; spindle ships local files and files on fs.defaultFS only: copy it to fs.defaultFS or to a local path first", it.Source, it.URI.Scheme, it.URI.Host, root.String())
		}
	}
	return MakeDir(ctx, fsys, dir)
}

// MakeDir creates the staging directory dir with exactly DirPerm.
func MakeDir(ctx context.Context, fsys FS, dir string) error {
	if err := fsys.MkdirAll(ctx, dir, DirPerm); err != nil {
		return fmt.Errorf("staging: creating staging directory %s: %w", fsys.URL(dir), err)
	}
	// MkdirAll leaves an existing directory alone and may be subject to a
	// umask; the staging directory itself must be exactly 0700.
	if err := fsys.Chmod(ctx, dir, DirPerm); err != nil {
		return fmt.Errorf("staging: setting permissions of %s: %w", fsys.URL(dir), err)
	}
	return nil
}

// slot is one staged item's result.
type slot struct {
	res spec.Resource
	rep Report
}

// stageAll stages the items that are not node-local, up to Parallel at a
// time; the first failure cancels the rest.
func (s *Stager) stageAll(ctx context.Context, fsys FS, root *url.URL, dir string, plan *Plan, ids []int64) ([]*slot, error) {
	results := make([]*slot, len(plan.Items))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		cancel(err)
	}
	par := s.Parallel
	if par <= 0 {
		par = 4
	}
	sem := make(chan struct{}, par)
	for i := range plan.Items {
		it := plan.Items[i]
		if it.Location == NodeLocal {
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				s.emit(Event{Kind: EventDone, ID: ids[i], Name: it.Name, Source: it.Source, Err: context.Cause(ctx)})
				return
			}
			defer func() { <-sem }()
			res, rep, err := s.stageItem(ctx, fsys, root, dir, it, ids[i])
			if err != nil {
				err = fmt.Errorf("staging: %s (%s): %w", it.Source, it.Name, err)
				s.emit(Event{Kind: EventDone, ID: ids[i], Name: it.Name, Source: it.Source, Err: err})
				fail(err)
				return
			}
			s.emit(Event{Kind: EventDone, ID: ids[i], Name: it.Name, Source: it.Source, Bytes: rep.Bytes, Total: rep.Bytes, Report: &rep})
			results[i] = &slot{res, rep}
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	return results, nil
}

// uploads reports whether Stage copies the item's bytes.
func (s *Stager) uploads(it PlannedItem, root *url.URL) bool {
	return it.Location == Local && (it.URI == nil || !sameFS(it.URI, root))
}

// stageItem uploads or stats one item and builds its resource.
func (s *Stager) stageItem(ctx context.Context, fsys FS, root *url.URL, dir string, it PlannedItem, id int64) (spec.Resource, Report, error) {
	rep := Report{Name: it.Name, Source: it.Source}
	var st FileStatus
	if s.uploads(it, root) {
		dst := path.Join(dir, it.StagedName)
		var n int64
		var err error
		st, n, err = s.upload(ctx, fsys, it.Path, dst, FilePerm, id, it)
		if err != nil {
			return spec.Resource{}, rep, err
		}
		rep.Outcome, rep.Bytes = Uploaded, n
	} else {
		var err error
		if st, err = fsys.Stat(ctx, it.Path); err != nil {
			return spec.Resource{}, rep, err
		}
		if st.IsDir() && it.Type == spec.TypeArchive {
			return spec.Resource{}, rep, fmt.Errorf("%s is a directory, not an archive", fsys.URL(it.Path))
		}
		rep.Outcome = OnCluster
	}
	res := spec.Resource{
		Name:       it.Name,
		URL:        fsys.URL(st.Path),
		Size:       st.Size,
		Timestamp:  st.ModTime,
		Type:       it.Type,
		Visibility: spec.VisibilityApplication,
	}
	rep.URL, rep.Size = res.URL, res.Size
	return res, rep, nil
}

// upload copies local file src to dst, reporting progress, and checks that
// everything read arrived.
func (s *Stager) upload(ctx context.Context, fsys FS, src, dst string, perm os.FileMode, id int64, it PlannedItem) (FileStatus, int64, error) {
	f, err := os.Open(src)
	if err != nil {
		return FileStatus{}, 0, fmt.Errorf("opening local file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return FileStatus{}, 0, fmt.Errorf("opening local file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return FileStatus{}, 0, fmt.Errorf("local file %s is not a regular file", src)
	}
	cr := &countingReader{r: f, report: func(n int64) {
		s.emit(Event{Kind: EventBytes, ID: id, Name: it.Name, Source: it.Source, Bytes: n, Total: fi.Size()})
	}}
	st, err := fsys.Create(ctx, cr, dst, perm)
	// An abandoned HDFS write may still be reading in the background; it
	// must not report progress any more.
	cr.stop.Store(true)
	n := cr.n.Load()
	if err != nil {
		return FileStatus{}, n, fmt.Errorf("uploading to %s: %w", fsys.URL(dst), err)
	}
	if st.Size != n {
		return FileStatus{}, n, fmt.Errorf("uploading to %s: %d bytes read but the file has %d", fsys.URL(dst), n, st.Size)
	}
	return st, n, nil
}

// emit delivers a progress event, one at a time.
func (s *Stager) emit(e Event) {
	if s.Progress == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Progress(e)
}

// countingReader counts the bytes read and reports the running total until
// stopped.
type countingReader struct {
	r      io.Reader
	n      atomic.Int64
	stop   atomic.Bool
	report func(n int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		total := c.n.Add(int64(n))
		if c.report != nil && !c.stop.Load() {
			c.report(total)
		}
	}
	return n, err
}
