package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/colinmarc/hdfs/v2"

	"github.com/spindle-yarn/spindle/hadoopconf"
)

// Configuration keys and defaults of YARN log aggregation.
const (
	// KeyLogAggregationEnable turns log aggregation on in the NodeManagers.
	KeyLogAggregationEnable = "yarn.log-aggregation-enable"
	// KeyRemoteAppLogDir is where NodeManagers upload application logs.
	KeyRemoteAppLogDir = "yarn.nodemanager.remote-app-log-dir"
	// KeyRemoteAppLogDirSuffix is the directory below <dir>/<user>/.
	KeyRemoteAppLogDirSuffix = "yarn.nodemanager.remote-app-log-dir-suffix"
	// KeyFileFormats lists the log aggregation file controllers, first
	// being the one NodeManagers write with.
	KeyFileFormats = "yarn.log-aggregation.file-formats"

	defaultRemoteAppLogDir = "/tmp/logs"
	defaultRemoteSuffix    = "logs"
	defaultFileFormat      = "TFile"
	// bucketPrefix and bucketCount give Hadoop 3.3+'s layout
	// <dir>/<user>/bucket-<suffix>/<app number % 10000, 4 digits>/<app>.
	bucketPrefix = "bucket-"
	bucketCount  = 10000
	// tmpSuffix marks a node file still being uploaded.
	tmpSuffix = ".tmp"
)

// FS reads the filesystem that holds aggregated logs. Paths are absolute
// slash-separated paths on it. Missing paths give errors matching
// fs.ErrNotExist.
type FS interface {
	// ReadDir lists a directory.
	ReadDir(ctx context.Context, dir string) ([]DirEntry, error)
	// Open opens a file for reading.
	Open(ctx context.Context, p string) (File, error)
	// Close releases connections.
	Close() error
}

// DirEntry is one directory entry.
type DirEntry struct {
	// Name is the entry's base name.
	Name string
	// Size is the file length (0 for directories).
	Size int64
	// IsDir reports a directory.
	IsDir bool
}

// File is an open file.
type File interface {
	io.ReaderAt
	// Size is the file's length.
	Size() int64
	// Close closes it.
	Close() error
}

// AppLogDirs returns the directories, as URIs, where NodeManagers may have
// aggregated the logs of application appID owned by user, most likely
// first, following conf: for each format of yarn.log-aggregation.file-formats
// (default TFile) with its remote directory (yarn.log-aggregation.<format>.
// remote-app-log-dir, else yarn.nodemanager.remote-app-log-dir, default
// /tmp/logs) and suffix (yarn.log-aggregation.<format>.remote-app-log-dir-suffix,
// else yarn.nodemanager.remote-app-log-dir-suffix + "-" + lower-case format):
//
//	<dir>/<user>/<suffix>/<app>                         Hadoop 3.0 to 3.2
//	<dir>/<user>/bucket-<suffix>/<nnnn>/<app>           Hadoop 3.3 and later
//
// followed by the layout before Hadoop 3.0, <dir>/<user>/<nm suffix>/<app>.
// Directories without a scheme are on fs.defaultFS.
func AppLogDirs(conf *hadoopconf.Conf, user, appID string, appNumber int32) ([]*url.URL, error) {
	formats := conf.GetStrings(KeyFileFormats)
	if len(formats) == 0 {
		formats = []string{defaultFileFormat}
	}
	nmDir := conf.Get(KeyRemoteAppLogDir)
	if nmDir == "" {
		nmDir = defaultRemoteAppLogDir
	}
	nmSuffix := conf.Get(KeyRemoteAppLogDirSuffix)
	if nmSuffix == "" {
		nmSuffix = defaultRemoteSuffix
	}
	bucket := fmt.Sprintf("%04d", int64(appNumber)%bucketCount)
	var out []*url.URL
	seen := map[string]bool{}
	add := func(dir string, elems ...string) error {
		u, err := resolveDir(conf, dir)
		if err != nil {
			return err
		}
		u.Path = path.Join(append([]string{u.Path}, elems...)...)
		if !seen[u.String()] {
			seen[u.String()] = true
			out = append(out, u)
		}
		return nil
	}
	for _, f := range formats {
		dir := conf.Get("yarn.log-aggregation." + f + ".remote-app-log-dir")
		if dir == "" {
			dir = nmDir
		}
		suffix := conf.Get("yarn.log-aggregation." + f + ".remote-app-log-dir-suffix")
		if suffix == "" {
			suffix = nmSuffix + "-" + strings.ToLower(f)
		}
		if err := add(dir, user, suffix, appID); err != nil {
			return nil, err
		}
		if err := add(dir, user, bucketPrefix+suffix, bucket, appID); err != nil {
			return nil, err
		}
	}
	if err := add(nmDir, user, nmSuffix, appID); err != nil {
		return nil, err
	}
	return out, nil
}

// resolveDir turns a configured directory into a URI, qualifying a path
// without scheme with fs.defaultFS.
func resolveDir(conf *hadoopconf.Conf, dir string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(dir))
	if err != nil {
		return nil, fmt.Errorf("log directory %q is not a path or URI: %w", dir, err)
	}
	if u.Scheme == "" {
		def, err := conf.DefaultFS()
		if err != nil {
			return nil, fmt.Errorf("log directory %q has no scheme: %w", dir, err)
		}
		u.Scheme, u.Host = def.Scheme, def.Host
	}
	if !strings.HasPrefix(u.Path, "/") {
		return nil, fmt.Errorf("log directory %q is not absolute", dir)
	}
	return u, nil
}

// OpenFS opens the filesystem of URI u for reading aggregated logs: file://
// with the os package, hdfs:// with github.com/colinmarc/hdfs/v2 (SIMPLE
// authentication as user, NameNodes from conf for HA nameservices). Other
// schemes are not supported.
func OpenFS(ctx context.Context, conf *hadoopconf.Conf, u *url.URL) (FS, error) {
	switch strings.ToLower(u.Scheme) {
	case "file":
		return localFS{}, nil
	case "hdfs":
		return openHDFS(ctx, conf, u)
	}
	return nil, fmt.Errorf("aggregated logs on %s://: only file:// and hdfs:// filesystems are supported", u.Scheme)
}

// localFS is the local filesystem.
type localFS struct{}

// ReadDir lists dir.
func (localFS) ReadDir(ctx context.Context, dir string) ([]DirEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(filepath.FromSlash(dir))
	if err != nil {
		return nil, err
	}
	out := make([]DirEntry, 0, len(ents))
	for _, e := range ents {
		de := DirEntry{Name: e.Name(), IsDir: e.IsDir()}
		if info, err := e.Info(); err == nil && !e.IsDir() {
			de.Size = info.Size()
		}
		out = append(out, de)
	}
	return out, nil
}

// Open opens p.
func (localFS) Open(ctx context.Context, p string) (File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.FromSlash(p))
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory", p)
	}
	return localFile{f, st.Size()}, nil
}

// Close does nothing.
func (localFS) Close() error { return nil }

// localFile is an open local file.
type localFile struct {
	*os.File
	size int64
}

// Size is the length when opened.
func (f localFile) Size() int64 { return f.size }

// Timeouts of HDFS access.
const (
	hdfsDialTimeout = 20 * time.Second
	hdfsOpTimeout   = 2 * time.Minute
)

// hdfsFS reads HDFS. colinmarc/hdfs calls take no context: each metadata call
// runs in a goroutine the caller stops waiting for when ctx ends or after
// hdfsOpTimeout (the client is then closed, failing the call); reads carry
// a deadline.
type hdfsFS struct {
	c *hdfs.Client
}

// openHDFS connects to the NameNode(s) of u's authority.
func openHDFS(ctx context.Context, conf *hadoopconf.Conf, u *url.URL) (*hdfsFS, error) {
	addrs := conf.NameNodeAddresses(u.Host)
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no NameNode address for %s", u.Redacted())
	}
	if strings.EqualFold(conf.Get("hadoop.security.authentication"), "kerberos") {
		return nil, fmt.Errorf("reading aggregated logs from %s: a Kerberos cluster needs a login (OpenFSAs)", u.Redacted())
	}
	d := &net.Dialer{Timeout: hdfsDialTimeout, KeepAlive: 30 * time.Second}
	opts := hdfs.ClientOptions{Addresses: addrs, User: conf.User(),
		NamenodeDialFunc: d.DialContext, DatanodeDialFunc: d.DialContext}
	if v, _ := conf.GetBool("dfs.client.use.datanode.hostname", false); v {
		opts.UseDatanodeHostname = true
	}
	c, err := callTimeout(ctx, nil, func() (*hdfs.Client, error) { return hdfs.NewClient(opts) })
	if err != nil {
		return nil, fmt.Errorf("connect to HDFS NameNode(s) %s: %w", strings.Join(addrs, ","), err)
	}
	return &hdfsFS{c: c}, nil
}

// callTimeout runs fn, returning early when ctx ends or after
// hdfsOpTimeout; on giving up it calls abandon (if set).
func callTimeout[T any](ctx context.Context, abandon func(), fn func() (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, hdfsOpTimeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		if abandon != nil {
			abandon()
		}
		var zero T
		return zero, ctx.Err()
	}
}

// ReadDir lists dir.
func (h *hdfsFS) ReadDir(ctx context.Context, dir string) ([]DirEntry, error) {
	infos, err := callTimeout(ctx, func() { h.c.Close() }, func() ([]os.FileInfo, error) { return h.c.ReadDir(dir) })
	if err != nil {
		return nil, err
	}
	out := make([]DirEntry, 0, len(infos))
	for _, fi := range infos {
		de := DirEntry{Name: fi.Name(), IsDir: fi.IsDir()}
		if !fi.IsDir() {
			de.Size = fi.Size()
		}
		out = append(out, de)
	}
	return out, nil
}

// Open opens p.
func (h *hdfsFS) Open(ctx context.Context, p string) (File, error) {
	f, err := callTimeout(ctx, func() { h.c.Close() }, func() (*hdfs.FileReader, error) { return h.c.Open(p) })
	if err != nil {
		return nil, err
	}
	if f.Stat().IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory", p)
	}
	return &hdfsFile{f: f, ctx: ctx}, nil
}

// Close closes the client.
func (h *hdfsFS) Close() error { return h.c.Close() }

// hdfsFile is an open HDFS file; every read has a deadline.
type hdfsFile struct {
	f   *hdfs.FileReader
	ctx context.Context
}

// ReadAt reads at off, failing after hdfsOpTimeout without progress.
func (h *hdfsFile) ReadAt(p []byte, off int64) (int, error) {
	if err := h.ctx.Err(); err != nil {
		return 0, err
	}
	if err := h.f.SetDeadline(time.Now().Add(hdfsOpTimeout)); err != nil {
		return 0, err
	}
	return h.f.ReadAt(p, off)
}

// Size is the file's length.
func (h *hdfsFile) Size() int64 { return h.f.Stat().Size() }

// Close closes the file.
func (h *hdfsFile) Close() error { return h.f.Close() }

// isNotExist reports a missing path.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
