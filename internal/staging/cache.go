package staging

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/internal/spec"
)

// cleanupTimeout bounds removing a temporary cache file after a failure,
// which runs even when the caller's context has ended.
const cleanupTimeout = 30 * time.Second

// StageCached puts the local file localPath (typically the spindle binary)
// into the content-addressed cache cacheRoot/<sha256>/<name> on fsys and
// returns it as a resource. name is the "#name" suffix of localPath if any,
// else its base name; it is also the link name.
//
// If the cache entry exists with the right size it is reused and no bytes are
// uploaded. Otherwise the file is uploaded to a temporary name in the entry's
// directory and renamed into place with FS.Rename, which never replaces an
// existing entry: concurrent submitters of the same binary all end up using
// the first complete copy, whose timestamp then never changes. (On HDFS the
// no-replace check and the rename are two NameNode calls; see FS.Rename.)
// Temporary files of crashed submitters stay behind as .<name>.tmp-* files.
//
// The resource has visibility "application", not "public": the NodeManager
// shares PUBLIC resources between users only if the file is world-readable
// and every parent directory up to the root is world-executable, which
// spindle's 0700 home-directory layout deliberately is not; an unreadable
// PUBLIC resource fails localization. APPLICATION resources are downloaded
// once per application and node, which the cache keeps cheap by saving the
// upload.
func (s *Stager) StageCached(ctx context.Context, fsys FS, localPath, cacheRoot string) (spec.Resource, Report, error) {
	src, name := localPath, ""
	if i := strings.LastIndex(src, "#"); i >= 0 {
		src, name = src[:i], src[i+1:]
	}
	if name == "" {
		name = filepath.Base(src)
	}
	rep := Report{Name: name, Source: localPath}
	fail := func(err error) (spec.Resource, Report, error) {
		return spec.Resource{}, rep, fmt.Errorf("staging: caching %s: %w", localPath, err)
	}
	if err := spec.CheckLinkName(name); err != nil {
		return fail(err)
	}
	root, err := checkPath(cacheRoot)
	if err != nil {
		return fail(fmt.Errorf("cache root: %w", err))
	}
	f, err := os.Open(src)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if !fi.Mode().IsRegular() {
		return fail(fmt.Errorf("%s is not a regular file", src))
	}
	size := fi.Size()
	id := s.nextID.Add(1)
	s.emit(Event{Kind: EventStart, ID: id, Name: name, Source: localPath, Total: size})
	res, err := s.stageCached(ctx, fsys, f, size, root, name, id, &rep)
	if err != nil {
		_, _, err = fail(err)
		s.emit(Event{Kind: EventDone, ID: id, Name: name, Source: localPath, Bytes: rep.Bytes, Err: err})
		return spec.Resource{}, rep, err
	}
	rep.URL, rep.Size = res.URL, res.Size
	r := rep
	s.emit(Event{Kind: EventDone, ID: id, Name: name, Source: localPath, Bytes: rep.Bytes, Total: size, Report: &r})
	return res, rep, nil
}

func (s *Stager) stageCached(ctx context.Context, fsys FS, f *os.File, size int64, root, name string, id int64, rep *Report) (spec.Resource, error) {
	h := sha256.New()
	if _, err := copyContext(ctx, h, f, make([]byte, copyChunk)); err != nil {
		return spec.Resource{}, fmt.Errorf("hashing: %w", err)
	}
	dir := path.Join(root, hex.EncodeToString(h.Sum(nil)))
	final := path.Join(dir, name)
	resource := func(st FileStatus) spec.Resource {
		return spec.Resource{Name: name, URL: fsys.URL(final), Size: st.Size, Timestamp: st.ModTime,
			Type: spec.TypeFile, Visibility: spec.VisibilityApplication}
	}

	st, err := fsys.Stat(ctx, final)
	switch {
	case err == nil && !st.IsDir() && st.Size == size:
		rep.Outcome = Cached
		return resource(st), nil
	case err == nil:
		// Not what a complete copy looks like (entries appear only by
		// rename); replace it.
		if err := fsys.RemoveAll(ctx, final); err != nil {
			return spec.Resource{}, fmt.Errorf("removing damaged cache entry %s (%d bytes, want %d): %w", fsys.URL(final), st.Size, size, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return spec.Resource{}, fmt.Errorf("looking up cache entry: %w", err)
	}

	if err := fsys.MkdirAll(ctx, dir, DirPerm); err != nil {
		return spec.Resource{}, fmt.Errorf("creating cache directory %s: %w", fsys.URL(dir), err)
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return spec.Resource{}, fmt.Errorf("making a temporary name: %w", err)
	}
	tmp := path.Join(dir, "."+name+".tmp-"+hex.EncodeToString(rnd[:]))
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return spec.Resource{}, fmt.Errorf("rewinding: %w", err)
	}
	cr := &countingReader{r: f, report: func(n int64) {
		s.emit(Event{Kind: EventBytes, ID: id, Name: name, Source: rep.Source, Bytes: n, Total: size})
	}}
	tst, err := fsys.Create(ctx, cr, tmp, FilePerm)
	cr.stop.Store(true)
	rep.Bytes = cr.n.Load()
	if err != nil {
		return spec.Resource{}, fmt.Errorf("uploading to %s: %w", fsys.URL(tmp), err)
	}
	if tst.Size != size {
		s.removeQuietly(ctx, fsys, tmp)
		return spec.Resource{}, fmt.Errorf("uploading to %s: %d bytes arrived, want %d (did the file change?)", fsys.URL(tmp), tst.Size, size)
	}
	rep.Outcome = Uploaded
	if err := fsys.Rename(ctx, tmp, final); err != nil {
		s.removeQuietly(ctx, fsys, tmp)
		if !errors.Is(err, fs.ErrExist) {
			return spec.Resource{}, fmt.Errorf("moving the upload into place: %w", err)
		}
		// A concurrent submitter finished first; use its copy.
		rep.Outcome = Cached
	}
	st, err = fsys.Stat(ctx, final)
	if err != nil {
		return spec.Resource{}, fmt.Errorf("reading back cache entry: %w", err)
	}
	if st.IsDir() || st.Size != size {
		return spec.Resource{}, fmt.Errorf("cache entry %s has %d bytes, want %d", fsys.URL(final), st.Size, size)
	}
	return resource(st), nil
}

// removeQuietly removes p, best effort, even if ctx has ended.
func (s *Stager) removeQuietly(ctx context.Context, fsys FS, p string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_ = fsys.RemoveAll(ctx, p)
}
