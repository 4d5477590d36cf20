// Package staging manages spindle's staging area on the cluster's default
// filesystem (fs.defaultFS): the submitting client uploads the files a
// submission needs there and turns them into YARN LocalResources, and the
// ApplicationMaster deletes the application's staging directory when it is
// done.
//
// Open, from the Hadoop configuration, is the only way in. Two filesystems
// are supported, chosen from the fs.defaultFS URI:
//
//   - file:// — the local filesystem (single-node and test clusters, where the
//     NodeManagers see the same disk);
//   - hdfs:// — HDFS through github.com/colinmarc/hdfs/v2, with SIMPLE
//     authentication.
//
// Layout: per-application files go to
// <home>/.spindle/staging/<appId>/ (directory 0700, files 0644, see
// StagingDir), and the spindle binary to a content-addressed cache
// <home>/.spindle/cache/<sha256>/<name> shared by submissions (see CacheRoot
// and Stager.StageCached).
//
// The one rule that matters most: a LocalResource's timestamp must equal the
// file's modification time on the filesystem to the millisecond, or the
// NodeManager refuses to localize it ("changed on src filesystem"). Every
// FileStatus this package returns is read back from the filesystem after the
// writer was closed, and Stager builds resources only from those.
package staging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/user"
	"path"
	"strings"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/spindle-yarn/spindle/hadoopconf"
)

// Permissions used for staged data (Spark uses the same: its staging
// directory is 0700 and its files 0644).
const (
	// DirPerm is the permission of staging and cache directories.
	DirPerm fs.FileMode = 0o700
	// FilePerm is the permission of staged files.
	FilePerm fs.FileMode = 0o644
)

// FileStatus describes a file or directory as the filesystem reports it.
type FileStatus struct {
	// Path is the path that was asked about, on the filesystem (not a URI).
	Path string
	// Size is the length in bytes (0 for directories).
	Size int64
	// ModTime is the modification time in milliseconds since the Unix epoch,
	// exactly as the filesystem stores it: for HDFS the NameNode's value, for
	// local files the mtime truncated to milliseconds, which is what Hadoop's
	// LocalFileSystem reports. This is the value a LocalResource's timestamp
	// must carry.
	ModTime int64
	// Mode holds the permission bits, plus fs.ModeDir for directories.
	Mode fs.FileMode
}

// IsDir reports whether the status describes a directory.
func (s FileStatus) IsDir() bool { return s.Mode.IsDir() }

// FS is the staging filesystem: fs.defaultFS as seen by the client and the
// ApplicationMaster. Paths are absolute slash-separated paths on that
// filesystem (not URIs); URL turns one into the URI YARN needs.
//
// Every method that takes a context returns once the context is done, even if
// the underlying operation cannot be interrupted (it then finishes or fails in
// the background). Errors for missing paths satisfy errors.Is(err,
// fs.ErrNotExist), and errors for existing ones errors.Is(err, fs.ErrExist).
//
// Implementations are safe for concurrent use.
type FS interface {
	// Root returns the filesystem's URI without a path: file:/// or
	// hdfs://authority/ with the authority exactly as in fs.defaultFS.
	Root() *url.URL
	// URL returns the fully qualified URI of path p, as a LocalResource
	// needs it: file:///abs/path or hdfs://authority/abs/path.
	URL(p string) string
	// Home returns the user's home directory on the filesystem: the local
	// home directory, or /user/<user> on HDFS.
	Home(ctx context.Context) string
	// MkdirAll creates directory p and any missing parents with permission
	// perm; existing directories are left as they are.
	MkdirAll(ctx context.Context, p string, perm fs.FileMode) error
	// Create writes everything r yields to the new file dst with permission
	// perm, closes it and returns its status read back afterwards. It fails
	// if dst exists. On failure or cancellation the partial file is removed.
	Create(ctx context.Context, r io.Reader, dst string, perm fs.FileMode) (FileStatus, error)
	// Upload copies the local file src to dst like Create.
	Upload(ctx context.Context, src, dst string, perm fs.FileMode) (FileStatus, error)
	// Stat describes p.
	Stat(ctx context.Context, p string) (FileStatus, error)
	// ReadFile returns the contents of the file p, failing without reading
	// when it is larger than limit bytes.
	ReadFile(ctx context.Context, p string, limit int64) ([]byte, error)
	// Chmod sets the permission bits of p.
	Chmod(ctx context.Context, p string, perm fs.FileMode) error
	// Rename moves oldpath to newpath and never replaces an existing
	// newpath: it then fails with an error matching fs.ErrExist. The local
	// implementation is atomic (a hard link followed by removing oldpath);
	// HDFS checks newpath and renames in two NameNode calls, so two clients
	// racing for the same newpath can, within that window, still replace
	// each other's file.
	Rename(ctx context.Context, oldpath, newpath string) error
	// RemoveAll removes p and everything below it. A missing p is not an
	// error.
	RemoveAll(ctx context.Context, p string) error
	// Close releases connections. Operations abandoned because their context
	// ended release theirs when they finish.
	Close() error
}

// options configures open. The zero value works for a local filesystem and
// for an HDFS NameNode given as hdfs://host[:port].
type options struct {
	// Home overrides the home directory (default: the local user's home
	// directory from $HOME; on HDFS /user/<user>).
	Home string

	// User is the HDFS user for SIMPLE authentication. Empty means
	// $HADOOP_USER_NAME, else the operating-system user, as Hadoop does.
	User string
	// Getenv reads environment variables (default os.Getenv); tests inject
	// HADOOP_USER_NAME through it.
	Getenv func(key string) string
	// CurrentUser returns the operating-system user name (default from
	// os/user.Current).
	CurrentUser func() (string, error)

	// Addresses, when set, are the NameNode RPC addresses (host:port) to use
	// regardless of the fs.defaultFS authority.
	Addresses []string
	// NameNodes resolves an HDFS HA nameservice id to its NameNode RPC
	// addresses (from hdfs-site.xml: dfs.ha.namenodes.<ns> and
	// dfs.namenode.rpc-address.<ns>.<nn>). It is consulted when the
	// fs.defaultFS authority has no port; an empty result means the
	// authority is a plain host name, to be reached on port 8020.
	NameNodes func(nameservice string) []string

	// Replication is the replication factor for uploaded files; 0 uses the
	// filesystem's default. (Spark's equivalent is
	// spark.yarn.submit.file.replication.)
	Replication int
	// UseDatanodeHostname connects to DataNodes by host name instead of IP
	// address (dfs.client.use.datanode.hostname), needed when DataNodes
	// advertise addresses the client cannot reach, e.g. inside containers.
	UseDatanodeHostname bool

	// DialTimeout bounds connecting to a NameNode or DataNode (default 30s).
	DialTimeout time.Duration
	// OpTimeout bounds each HDFS metadata call and each stall of a data
	// transfer (default 2 minutes). A whole upload may take longer as long
	// as it makes progress.
	OpTimeout time.Duration
	// MaxConns is the number of HDFS client connections used in parallel
	// (default 4). colinmarc/hdfs clients must not be shared between
	// goroutines, so each concurrent operation uses its own.
	MaxConns int

	// Auth is the HDFS authentication method: "" or "simple" (default), or
	// "kerberos", which is not implemented yet and needs ConfigureClient.
	Auth string
	// ConfigureClient, when set, may adjust the colinmarc/hdfs client
	// options after spindle filled in Addresses, User and the dial
	// functions: the seam for Kerberos (KerberosClient,
	// KerberosServicePrincipleName) and DataTransferProtection.
	ConfigureClient func(*hdfs.ClientOptions) error
}

// Open returns the staging filesystem at uri (fs.defaultFS when nil) as
// conf describes it, acting as user (conf's user when empty). It is the one
// way the client and the ApplicationMaster reach the staging area, so both
// honour the same keys: the HA NameNodes of a nameservice
// (dfs.ha.namenodes.*, dfs.namenode.rpc-address.*), dfs.replication for
// uploaded files (the filesystem's default when unset) and
// dfs.client.use.datanode.hostname. For HDFS it connects to a NameNode before
// returning; ctx bounds that.
func Open(ctx context.Context, conf *hadoopconf.Conf, uri *url.URL, user string) (FS, error) {
	return OpenAs(ctx, conf, uri, Auth{User: user})
}

// optionsFrom reads what the staging filesystem needs from conf.
func optionsFrom(conf *hadoopconf.Conf, user string) (options, error) {
	if user == "" {
		user = conf.User()
	}
	opts := options{User: user, NameNodes: conf.NameNodeAddresses}
	if v, ok := conf.Lookup(keyReplication); ok && strings.TrimSpace(v) != "" {
		n, err := conf.GetInt(keyReplication, 0)
		if err != nil || n < 1 || n > 512 {
			return options{}, fmt.Errorf("staging: %s=%q (from %s): want a whole number from 1 to 512", keyReplication, v, orUnknown(conf.Source(keyReplication)))
		}
		opts.Replication = n
	}
	hostnames, err := conf.GetBool(keyUseDatanodeHostname, false)
	if err != nil {
		return options{}, fmt.Errorf("staging: %w", err)
	}
	opts.UseDatanodeHostname = hostnames
	return opts, nil
}

func orUnknown(source string) string {
	if source == "" {
		return "the configuration"
	}
	return source
}

// Hadoop keys the staging filesystem honours.
const (
	keyReplication         = "dfs.replication"
	keyUseDatanodeHostname = "dfs.client.use.datanode.hostname"
)

// open returns the staging filesystem for fs.defaultFS. Supported schemes are
// file (file:///) and hdfs (hdfs://host:port or hdfs://nameservice).
func open(ctx context.Context, defaultFS *url.URL, opts options) (FS, error) {
	if defaultFS == nil || defaultFS.String() == "" {
		return nil, errors.New("staging: fs.defaultFS is not set (Hadoop's default is file:///; for HDFS set it in core-site.xml to hdfs://namenode:8020 or hdfs://<nameservice>)")
	}
	switch strings.ToLower(defaultFS.Scheme) {
	case "file":
		return newLocalFS(defaultFS, opts)
	case "hdfs":
		return openHDFS(ctx, defaultFS, opts)
	case "":
		return nil, fmt.Errorf("staging: fs.defaultFS %q has no scheme; use file:/// or hdfs://namenode:8020", defaultFS.String())
	default:
		return nil, fmt.Errorf("staging: fs.defaultFS is %q: spindle can stage files only on file:// or hdfs:// filesystems (scheme %q is not supported)", defaultFS.String(), defaultFS.Scheme)
	}
}

// StagingDir returns the staging directory of application appID under home:
// <home>/.spindle/staging/<appID>.
func StagingDir(home, appID string) string {
	return path.Join(home, ".spindle", "staging", appID)
}

// CacheRoot returns the root of the binary cache under home:
// <home>/.spindle/cache.
func CacheRoot(home string) string {
	return path.Join(home, ".spindle", "cache")
}

// Cleanup removes a staging directory and everything in it. A missing
// directory is not an error, so it is safe to call from both the client and
// the ApplicationMaster. As a guard against configuration mistakes it refuses
// relative paths, the root and the home directory.
func Cleanup(ctx context.Context, fsys FS, stagingDir string) error {
	p := path.Clean(stagingDir)
	switch {
	case stagingDir == "" || !path.IsAbs(p):
		return fmt.Errorf("staging: refusing to clean up %q: not an absolute path", stagingDir)
	case p == "/" || p == path.Clean(fsys.Home(ctx)):
		return fmt.Errorf("staging: refusing to clean up %q: it is the root or home directory, not a staging directory", stagingDir)
	}
	if err := fsys.RemoveAll(ctx, p); err != nil {
		return fmt.Errorf("staging: cleaning up %s: %w", fsys.URL(p), err)
	}
	return nil
}

// checkPath verifies that p is an absolute, slash-separated path and returns
// it cleaned.
func checkPath(p string) (string, error) {
	if p == "" || !path.IsAbs(p) {
		return "", fmt.Errorf("path %q is not absolute", p)
	}
	return path.Clean(p), nil
}

// resolveUser returns the Hadoop user name: opts.User, else
// HADOOP_USER_NAME, else the operating-system user.
func resolveUser(opts options) (string, error) {
	if opts.User != "" {
		return opts.User, nil
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if u := getenv("HADOOP_USER_NAME"); u != "" {
		return u, nil
	}
	current := opts.CurrentUser
	if current == nil {
		current = func() (string, error) {
			u, err := user.Current()
			if err != nil {
				return "", err
			}
			return u.Username, nil
		}
	}
	name, err := current()
	if err != nil {
		return "", fmt.Errorf("determining the user name (set HADOOP_USER_NAME): %w", err)
	}
	if name == "" {
		return "", errors.New("the operating-system user name is empty (set HADOOP_USER_NAME)")
	}
	return name, nil
}

// sameFS reports whether URI u lives on the filesystem whose root is root:
// same scheme and authority (host names compared case-insensitively; for
// hdfs an absent port equals 8020). A URI without an authority
// (hdfs:///path, file:/path) means the default filesystem of its scheme.
func sameFS(u, root *url.URL) bool {
	if !strings.EqualFold(u.Scheme, root.Scheme) {
		return false
	}
	if u.Host == "" {
		return true
	}
	return canonicalAuthority(u) == canonicalAuthority(root)
}

// canonicalAuthority lower-cases the host and adds hdfs's default port.
func canonicalAuthority(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" && strings.EqualFold(u.Scheme, "hdfs") {
		port = defaultNameNodePort
	}
	if host == "localhost" && strings.EqualFold(u.Scheme, "file") {
		host = ""
	}
	return host + ":" + port
}

// copyChunk is the size of the buffer used to copy data.
const copyChunk = 256 << 10

// copyContext copies r to w in chunks, checking ctx before each read. It
// returns the number of bytes written.
func copyContext(ctx context.Context, w io.Writer, r io.Reader, buf []byte) (int64, error) {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		nr, rerr := r.Read(buf)
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, werr
			}
			if nw != nr {
				return n, io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, fmt.Errorf("reading source: %w", rerr)
		}
	}
}
