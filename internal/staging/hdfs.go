package staging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/colinmarc/hdfs/v2"
)

// defaultNameNodePort is the NameNode RPC port Hadoop uses when an hdfs://
// URI has none.
const defaultNameNodePort = "8020"

// Defaults for options.
const (
	defaultDialTimeout = 30 * time.Second
	defaultOpTimeout   = 2 * time.Minute
	defaultMaxConns    = 4
)

// Retrying FileWriter.Close while HDFS reports the last block still
// replicating: colinmarc/hdfs documents that Close may be called again until
// it succeeds (the Java client retries with exponential backoff). The file's
// modification time is only final once it is complete, so it must not be
// used before. The NameNode usually hears of the block from the DataNode a
// few milliseconds after the client's last ack, so the first retry comes
// after 10 ms (a first wait of 200 ms made a small file's write take 0.2 s
// longer about every other time on the test cluster). closeRetries counts
// the Close calls: the first and twelve retries, whose waits double from
// closeRetryBackoff to 41 s in all (before: eight calls, 25 s), so a cluster
// that is slow to report gets at least as long as before.
const (
	closeRetries      = 13
	closeRetryBackoff = 10 * time.Millisecond
)

// hdfsWriter is the part of *hdfs.FileWriter staging uses.
type hdfsWriter interface {
	Write(p []byte) (int, error)
	// Close flushes, waits for the DataNodes and completes the file; it may
	// fail with ErrReplicating (see hdfs.IsErrReplicating) and be retried.
	Close() error
	// SetDeadline bounds the following Write and Close calls.
	SetDeadline(t time.Time) error
}

// hdfsClient is the part of *hdfs.Client staging uses, so the HDFS logic can
// be tested against a fake. A client must not be used by two goroutines at
// once (colinmarc/hdfs clients are not safe for concurrent use).
type hdfsClient interface {
	MkdirAll(dirname string, perm os.FileMode) error
	Create(name string) (hdfsWriter, error)
	CreateFile(name string, replication int, blockSize int64, perm os.FileMode) (hdfsWriter, error)
	ServerDefaults() (hdfs.ServerDefaults, error)
	Stat(name string) (os.FileInfo, error)
	ReadFile(name string) ([]byte, error)
	Chmod(name string, perm os.FileMode) error
	Remove(name string) error
	RemoveAll(name string) error
	Rename(oldpath, newpath string) error
	User() string
	Close() error
}

// colinmarcClient adapts *hdfs.Client to hdfsClient.
type colinmarcClient struct{ c *hdfs.Client }

func (a colinmarcClient) MkdirAll(d string, perm os.FileMode) error { return a.c.MkdirAll(d, perm) }

func (a colinmarcClient) Create(name string) (hdfsWriter, error) {
	w, err := a.c.Create(name)
	if err != nil {
		return nil, err
	}
	return w, nil
}

func (a colinmarcClient) CreateFile(name string, replication int, blockSize int64, perm os.FileMode) (hdfsWriter, error) {
	w, err := a.c.CreateFile(name, replication, blockSize, perm)
	if err != nil {
		return nil, err
	}
	return w, nil
}

func (a colinmarcClient) ServerDefaults() (hdfs.ServerDefaults, error) { return a.c.ServerDefaults() }
func (a colinmarcClient) Stat(name string) (os.FileInfo, error)        { return a.c.Stat(name) }
func (a colinmarcClient) ReadFile(name string) ([]byte, error)         { return a.c.ReadFile(name) }
func (a colinmarcClient) Chmod(name string, perm os.FileMode) error    { return a.c.Chmod(name, perm) }
func (a colinmarcClient) Remove(name string) error                     { return a.c.Remove(name) }
func (a colinmarcClient) RemoveAll(name string) error                  { return a.c.RemoveAll(name) }
func (a colinmarcClient) Rename(oldpath, newpath string) error         { return a.c.Rename(oldpath, newpath) }
func (a colinmarcClient) User() string                                 { return a.c.User() }
func (a colinmarcClient) Close() error                                 { return a.c.Close() }

// nameNodeAddrs returns the NameNode RPC addresses for an hdfs:// URI:
// opts.Addresses if set; host:port when the URI has a port; the nameservice's
// NameNodes (from opts.NameNodes) when the host is an HA nameservice; else
// host:8020.
func nameNodeAddrs(u *url.URL, opts options) ([]string, error) {
	if len(opts.Addresses) > 0 {
		return append([]string(nil), opts.Addresses...), nil
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("fs.defaultFS %q names no NameNode host or nameservice (want hdfs://namenode:8020 or hdfs://<nameservice>)", u.String())
	}
	if port := u.Port(); port != "" {
		return []string{net.JoinHostPort(host, port)}, nil
	}
	if opts.NameNodes != nil {
		if nns := opts.NameNodes(host); len(nns) > 0 {
			out := make([]string, 0, len(nns))
			for _, a := range nns {
				a = strings.TrimSpace(a)
				if a == "" {
					continue
				}
				if _, _, err := net.SplitHostPort(a); err != nil {
					a = net.JoinHostPort(a, defaultNameNodePort)
				}
				out = append(out, a)
			}
			if len(out) > 0 {
				return out, nil
			}
		}
	}
	return []string{net.JoinHostPort(host, defaultNameNodePort)}, nil
}

// hdfsFS is the hdfs:// staging filesystem. It keeps a small pool of
// colinmarc/hdfs clients and gives each operation one client to itself.
//
// colinmarc/hdfs calls take no context. Every operation runs in its own
// goroutine and the caller returns when ctx ends or when the operation makes
// no progress for opTimeout; the abandoned goroutine finishes in the
// background (connections use TCP keep-alives, so a dead peer eventually
// fails it) and its client is then closed rather than reused.
type hdfsFS struct {
	root        *url.URL
	home        string
	replication int
	opTimeout   time.Duration
	backoff     time.Duration // first delay between Close retries
	pool        *clientPool
}

// openHDFS connects to the NameNode(s) for fs.defaultFS u.
func openHDFS(ctx context.Context, u *url.URL, opts options) (*hdfsFS, error) {
	addrs, err := nameNodeAddrs(u, opts)
	if err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	user, err := resolveUser(opts)
	if err != nil {
		return nil, fmt.Errorf("staging: hdfs: %w", err)
	}
	dialTimeout := opts.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = defaultDialTimeout
	}
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	copts := hdfs.ClientOptions{
		Addresses:           addrs,
		User:                user,
		UseDatanodeHostname: opts.UseDatanodeHostname,
		NamenodeDialFunc:    dialer.DialContext,
		DatanodeDialFunc:    dialer.DialContext,
	}
	switch strings.ToLower(opts.Auth) {
	case "", "simple":
	case "kerberos":
		if opts.ConfigureClient == nil {
			return nil, errors.New("staging: hdfs: Kerberos authentication is not supported yet (hadoop.security.authentication=kerberos); spindle supports SIMPLE authentication only")
		}
	default:
		return nil, fmt.Errorf("staging: hdfs: unknown authentication method %q (want simple or kerberos)", opts.Auth)
	}
	if opts.ConfigureClient != nil {
		if err := opts.ConfigureClient(&copts); err != nil {
			return nil, fmt.Errorf("staging: hdfs: configuring the client: %w", err)
		}
	}
	dial := func() (hdfsClient, error) {
		c, err := hdfs.NewClient(copts)
		if err != nil {
			return nil, err
		}
		return colinmarcClient{c}, nil
	}
	h, err := newHDFS(ctx, u, opts, dial)
	if err != nil {
		hint := ""
		if u.Port() == "" && len(opts.Addresses) == 0 && len(addrs) == 1 {
			hint = fmt.Sprintf(" (if %q is an HA nameservice, hdfs-site.xml must define dfs.ha.namenodes.%[1]s and dfs.namenode.rpc-address.%[1]s.*)", u.Hostname())
		}
		return nil, fmt.Errorf("staging: connecting to HDFS NameNode(s) %s for fs.defaultFS %s%s: %w", strings.Join(addrs, ","), u.String(), hint, err)
	}
	return h, nil
}

// newHDFS builds the filesystem over clients made by dial and connects the
// first one, which also tells the user for the home directory.
func newHDFS(ctx context.Context, u *url.URL, opts options, dial func() (hdfsClient, error)) (*hdfsFS, error) {
	maxConns := opts.MaxConns
	if maxConns <= 0 {
		maxConns = defaultMaxConns
	}
	opTimeout := opts.OpTimeout
	if opTimeout <= 0 {
		opTimeout = defaultOpTimeout
	}
	if opts.Replication < 0 {
		return nil, fmt.Errorf("negative replication %d", opts.Replication)
	}
	h := &hdfsFS{
		root:        &url.URL{Scheme: "hdfs", Host: u.Host, Path: "/"},
		replication: opts.Replication,
		opTimeout:   opTimeout,
		backoff:     closeRetryBackoff,
		pool:        newClientPool(dial, maxConns),
	}
	var user string
	err := h.do(ctx, "connect", "", func(c hdfsClient) error {
		user = c.User()
		return nil
	})
	if err != nil {
		h.pool.close()
		return nil, err
	}
	h.home = opts.Home
	if h.home == "" {
		if user == "" {
			h.pool.close()
			return nil, errors.New("the HDFS client reports no user name")
		}
		h.home = "/user/" + user
	}
	if _, err := checkPath(h.home); err != nil {
		h.pool.close()
		return nil, fmt.Errorf("home directory: %w", err)
	}
	return h, nil
}

// Root returns hdfs://authority/.
func (h *hdfsFS) Root() *url.URL {
	r := *h.root
	return &r
}

// URL returns hdfs://authority/p, keeping the authority exactly as in
// fs.defaultFS (an HA nameservice has no port; YARN's URL then has port -1
// and the NodeManager resolves the nameservice itself).
func (h *hdfsFS) URL(p string) string {
	u := url.URL{Scheme: "hdfs", Host: h.root.Host, Path: p}
	return u.String()
}

// Home returns /user/<user> (or options.Home).
func (h *hdfsFS) Home(context.Context) string { return h.home }

// MkdirAll creates p and its parents with permission perm.
func (h *hdfsFS) MkdirAll(ctx context.Context, p string, perm fs.FileMode) error {
	p, err := checkPath(p)
	if err != nil {
		return fmt.Errorf("hdfs: mkdir: %w", err)
	}
	return h.do(ctx, "mkdir", p, func(c hdfsClient) error { return c.MkdirAll(p, perm) })
}

// Stat describes p; ModTime is the NameNode's millisecond value.
func (h *hdfsFS) Stat(ctx context.Context, p string) (FileStatus, error) {
	p, err := checkPath(p)
	if err != nil {
		return FileStatus{}, fmt.Errorf("hdfs: stat: %w", err)
	}
	var st FileStatus
	err = h.do(ctx, "stat", p, func(c hdfsClient) error {
		fi, err := c.Stat(p)
		if err != nil {
			return err
		}
		st = hdfsStatus(p, fi)
		return nil
	})
	if err != nil {
		// st may still be written by an abandoned call; do not read it.
		return FileStatus{}, err
	}
	return st, nil
}

// ReadFile reads the file p after checking its size against limit.
func (h *hdfsFS) ReadFile(ctx context.Context, p string, limit int64) ([]byte, error) {
	p, err := checkPath(p)
	if err != nil {
		return nil, fmt.Errorf("hdfs: read: %w", err)
	}
	var data []byte
	err = h.do(ctx, "read", p, func(c hdfsClient) error {
		fi, err := c.Stat(p)
		if err != nil {
			return err
		}
		if fi.Size() > limit {
			return fmt.Errorf("%d bytes, more than the limit of %d", fi.Size(), limit)
		}
		b, err := c.ReadFile(p)
		data = b
		return err
	})
	if err != nil {
		return nil, err
	}
	return data, nil
}

// hdfsStatus converts colinmarc's FileInfo. Its ModTime is built from the
// NameNode's milliseconds, so UnixMilli gives the stored value back exactly.
func hdfsStatus(p string, fi os.FileInfo) FileStatus {
	st := FileStatus{Path: p, ModTime: fi.ModTime().UnixMilli(), Mode: fi.Mode() & (fs.ModePerm | fs.ModeDir)}
	if !fi.IsDir() {
		st.Size = fi.Size()
	}
	return st
}

// Chmod sets the permission bits of p.
func (h *hdfsFS) Chmod(ctx context.Context, p string, perm fs.FileMode) error {
	p, err := checkPath(p)
	if err != nil {
		return fmt.Errorf("hdfs: chmod: %w", err)
	}
	return h.do(ctx, "chmod", p, func(c hdfsClient) error { return c.Chmod(p, perm) })
}

// Rename moves oldpath to newpath unless newpath exists (checked first; see
// FS.Rename for the remaining race).
func (h *hdfsFS) Rename(ctx context.Context, oldpath, newpath string) error {
	oldpath, err := checkPath(oldpath)
	if err != nil {
		return fmt.Errorf("hdfs: rename: %w", err)
	}
	if newpath, err = checkPath(newpath); err != nil {
		return fmt.Errorf("hdfs: rename: %w", err)
	}
	return h.do(ctx, "rename", oldpath, func(c hdfsClient) error {
		_, err := c.Stat(newpath)
		if err == nil {
			return &fs.PathError{Op: "rename", Path: newpath, Err: fs.ErrExist}
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return c.Rename(oldpath, newpath)
	})
}

// RemoveAll removes p recursively; colinmarc/hdfs documents that a missing
// path is not an error.
func (h *hdfsFS) RemoveAll(ctx context.Context, p string) error {
	p, err := checkPath(p)
	if err != nil {
		return fmt.Errorf("hdfs: remove: %w", err)
	}
	return h.do(ctx, "remove", p, func(c hdfsClient) error { return c.RemoveAll(p) })
}

// Upload copies the local file src to dst like Create.
func (h *hdfsFS) Upload(ctx context.Context, src, dst string, perm fs.FileMode) (FileStatus, error) {
	return uploadFile(ctx, h, src, dst, perm)
}

// Create writes r to the new file dst: create, write, Close (retried while
// HDFS reports the last block still replicating, so the file is complete and
// its modification time final), Chmod to perm exactly, then Stat. The
// returned status is that last Stat.
func (h *hdfsFS) Create(ctx context.Context, r io.Reader, dst string, perm fs.FileMode) (FileStatus, error) {
	dst, err := checkPath(dst)
	if err != nil {
		return FileStatus{}, fmt.Errorf("hdfs: create: %w", err)
	}
	var st FileStatus
	// A failed write leaves an abandoned FileWriter on the client, so the
	// client is not reused after an error.
	err = h.run(ctx, "create", dst, true, func(ctx context.Context, c hdfsClient, beat func()) error {
		var err error
		st, err = h.write(ctx, c, r, dst, perm, beat)
		return err
	})
	if err != nil {
		// st may still be written by an abandoned call; do not read it.
		return FileStatus{}, err
	}
	return st, nil
}

// write performs Create's steps on one client. On failure it removes the
// partial file instead of closing it (closing would complete a truncated
// file).
func (h *hdfsFS) write(ctx context.Context, c hdfsClient, r io.Reader, dst string, perm fs.FileMode, beat func()) (FileStatus, error) {
	var w hdfsWriter
	var err error
	if h.replication > 0 {
		var d hdfs.ServerDefaults
		if d, err = c.ServerDefaults(); err != nil {
			return FileStatus{}, fmt.Errorf("reading the NameNode's defaults for the block size: %w", err)
		}
		w, err = c.CreateFile(dst, h.replication, d.BlockSize, perm)
	} else {
		w, err = c.Create(dst)
	}
	if err != nil {
		return FileStatus{}, err
	}
	beat()
	abort := func(cause error) error {
		if rerr := c.Remove(dst); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return fmt.Errorf("%w (removing the partial file also failed: %v)", cause, rerr)
		}
		return cause
	}
	n, err := copyContext(ctx, deadlineWriter{w: w, deadline: h.deadline(ctx), beat: beat}, r, make([]byte, copyChunk))
	if err != nil {
		return FileStatus{}, abort(err)
	}
	if err := h.closeWriter(ctx, w, beat); err != nil {
		return FileStatus{}, abort(err)
	}
	if err := c.Chmod(dst, perm); err != nil {
		return FileStatus{}, fmt.Errorf("setting permissions: %w", err)
	}
	beat()
	fi, err := c.Stat(dst)
	if err != nil {
		return FileStatus{}, fmt.Errorf("reading back the file's status: %w", err)
	}
	st := hdfsStatus(dst, fi)
	if st.IsDir() || st.Size != n {
		return FileStatus{}, fmt.Errorf("the NameNode reports %d bytes after %d were written", st.Size, n)
	}
	return st, nil
}

// closeWriter closes w, retrying while the last block is still replicating.
func (h *hdfsFS) closeWriter(ctx context.Context, w hdfsWriter, beat func()) error {
	delay := h.backoff
	for attempt := 1; ; attempt++ {
		if err := w.SetDeadline(h.deadline(ctx)()); err != nil {
			return fmt.Errorf("closing: setting a deadline: %w", err)
		}
		err := w.Close()
		beat()
		if err == nil {
			return nil
		}
		if !hdfs.IsErrReplicating(err) {
			return fmt.Errorf("closing: %w", err)
		}
		if attempt >= closeRetries {
			return fmt.Errorf("closing: the file is still not complete after %d attempts (its last block is still replicating), so its modification time is not final: %w", attempt, err)
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("closing: %w", ctx.Err())
		}
		delay *= 2
	}
}

// deadline returns a function giving the deadline for the next write: now
// plus opTimeout, but not after ctx's deadline.
func (h *hdfsFS) deadline(ctx context.Context) func() time.Time {
	return func() time.Time {
		d := time.Now().Add(h.opTimeout)
		if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
			d = cd
		}
		return d
	}
}

// deadlineWriter sets a deadline before every write and reports progress.
type deadlineWriter struct {
	w        hdfsWriter
	deadline func() time.Time
	beat     func()
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	if err := d.w.SetDeadline(d.deadline()); err != nil {
		return 0, fmt.Errorf("setting a write deadline: %w", err)
	}
	n, err := d.w.Write(p)
	d.beat()
	return n, err
}

// Close closes every idle client; clients in use are closed when their
// operation ends.
func (h *hdfsFS) Close() error { return h.pool.close() }

// do runs a short metadata operation on a client, bounded by ctx and by
// opTimeout.
func (h *hdfsFS) do(ctx context.Context, op, p string, fn func(c hdfsClient) error) error {
	return h.run(ctx, op, p, false, func(_ context.Context, c hdfsClient, _ func()) error { return fn(c) })
}

// run takes a client from the pool and runs fn on it in a goroutine. It
// returns fn's error (only then are fn's side effects visible to the
// caller), or gives up when ctx ends or fn has not called beat
// (nor returned) for opTimeout. fn receives a context that is cancelled when
// run gives up. The client goes back to the pool unless run gave up on it or
// fn failed and discardOnErr is set.
func (h *hdfsFS) run(ctx context.Context, op, p string, discardOnErr bool, fn func(ctx context.Context, c hdfsClient, beat func()) error) error {
	what := "hdfs: " + op
	if p != "" {
		what += " " + p
	}
	c, err := h.pool.get(ctx, h.opTimeout)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	opCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	beat := func() { last.Store(time.Now().UnixNano()) }
	var abandoned atomic.Bool
	done := make(chan error, 1)
	go func() {
		err := fn(opCtx, c, beat)
		h.pool.put(c, !abandoned.Load() && (err == nil || !discardOnErr))
		done <- err
	}()
	tick := time.NewTicker(max(h.opTimeout/8, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return wrapOp(what, err)
		case <-ctx.Done():
			select {
			case err := <-done:
				return wrapOp(what, err)
			default:
			}
			abandoned.Store(true)
			return fmt.Errorf("%s: %w (gave up waiting; the operation may still complete on the cluster)", what, ctx.Err())
		case <-tick.C:
			if time.Since(time.Unix(0, last.Load())) >= h.opTimeout {
				abandoned.Store(true)
				return fmt.Errorf("%s: no response from HDFS for %s (the operation timeout): %w", what, h.opTimeout, context.DeadlineExceeded)
			}
		}
	}
}

func wrapOp(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// clientPool hands out HDFS clients, at most max at a time, each to one
// user. Clients are made on demand by dial and reused when healthy.
type clientPool struct {
	dial  func() (hdfsClient, error)
	slots chan struct{}

	mu     sync.Mutex
	idle   []hdfsClient
	closed bool
}

func newClientPool(dial func() (hdfsClient, error), max int) *clientPool {
	return &clientPool{dial: dial, slots: make(chan struct{}, max)}
}

var errPoolClosed = errors.New("the HDFS filesystem was closed")

// get returns a client for exclusive use; the caller must put it back.
// Waiting for a free slot is bounded by ctx only (other operations may
// legitimately hold every client for a long upload); connecting a new client
// is also bounded by dialTimeout.
func (p *clientPool) get(ctx context.Context, dialTimeout time.Duration) (hdfsClient, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free HDFS connection (all %d are busy): %w", cap(p.slots), ctx.Err())
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.slots
		return nil, errPoolClosed
	}
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()

	type result struct {
		c   hdfsClient
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := p.dial()
		ch <- result{c, err}
	}()
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	select {
	case r := <-ch:
		if r.err != nil {
			<-p.slots
			return nil, r.err
		}
		return r.c, nil
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.err == nil {
				_ = r.c.Close()
			}
			<-p.slots
		}()
		return nil, fmt.Errorf("connecting: %w", ctx.Err())
	}
}

// put returns a client; unhealthy clients (and all after close) are closed.
func (p *clientPool) put(c hdfsClient, healthy bool) {
	p.mu.Lock()
	keep := healthy && !p.closed
	if keep {
		p.idle = append(p.idle, c)
	}
	p.mu.Unlock()
	if !keep {
		_ = c.Close()
	}
	<-p.slots
}

// close closes the idle clients and makes later gets fail.
func (p *clientPool) close() error {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	var errs []error
	for _, c := range idle {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
