package staging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/hdfsnn"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/secure"
	"github.com/spindle-yarn/spindle/internal/webhdfs"
)

// tokenFS is an hdfs:// staging filesystem authenticated with a delegation
// token, as inside a YARN container on a secured cluster: metadata calls go
// to the NameNode over IPC (SASL DIGEST-MD5, package hdfsnn), file contents
// over WebHDFS (package webhdfs), since colinmarc/hdfs cannot authenticate
// with tokens. It takes the token from the newest credentials before every
// call, so tokens the AM obtains mid-run are used once they exist.
type tokenFS struct {
	root   *url.URL
	home   string
	ns     secure.Namespace
	tokens func() *creds.Credentials
	ipc    *ipc.Client
	nn     *hdfsnn.NameNode
	web    *webhdfs.Client
}

// openTokenFS finds uri's namespace and its HDFS token in tokens().
func openTokenFS(ctx context.Context, conf *hadoopconf.Conf, uri *url.URL, tokens func() *creds.Credentials) (*tokenFS, error) {
	nss, err := secure.Namespaces(ctx, conf, []string{uri.String()})
	if err != nil || len(nss) == 0 {
		return nil, fmt.Errorf("staging: the namespace of %s: %v", uri, err)
	}
	ns := nss[len(nss)-1]
	for _, n := range nss {
		if n.URI == "hdfs://"+uri.Host {
			ns = n
		}
	}
	t := &tokenFS{root: &url.URL{Scheme: "hdfs", Host: uri.Host, Path: "/"}, ns: ns, tokens: tokens}
	tok, err := t.token()
	if err != nil {
		return nil, err
	}
	id, err := hdfsnn.ParseIdentifier(tok.Identifier)
	if err != nil {
		return nil, fmt.Errorf("staging: the HDFS delegation token for %s: %w", ns.URI, err)
	}
	t.home = "/user/" + secure.ShortName(id.Owner)
	t.ipc = ipc.NewClient(ipc.Config{DialTimeout: defaultDialTimeout, Protection: conf.Get(krb.KeyRPCProtection)})
	if t.nn, err = hdfsnn.New(t.ipc, ns.Addrs, ns.Service); err != nil {
		t.ipc.Close()
		return nil, fmt.Errorf("staging: %w", err)
	}
	web := conf.NameNodeWebURLs(uri.Host)
	if t.web, err = webhdfs.New(web, func() (string, error) {
		tok, err := t.token()
		return tok.URLString(), err
	}); err != nil {
		t.ipc.Close()
		return nil, fmt.Errorf("staging: %w", err)
	}
	return t, nil
}

// token is the namespace's HDFS delegation token in the newest credentials.
func (t *tokenFS) token() (creds.Token, error) {
	c := t.tokens()
	if c == nil {
		return creds.Token{}, fmt.Errorf("staging: no credentials to authenticate to %s with", t.ns.URI)
	}
	tok, ok := secure.HDFSToken(c, t.ns)
	if !ok {
		return creds.Token{}, fmt.Errorf("staging: the container's credentials hold no %s for %s (service %s)", hdfsnn.TokenKind, t.ns.URI, t.ns.Service)
	}
	return tok, nil
}

// nameNode is the NameNode client authenticated with the current token.
func (t *tokenFS) nameNode() (*hdfsnn.NameNode, error) {
	tok, err := t.token()
	if err != nil {
		return nil, err
	}
	return t.nn.WithToken(*secure.IPCToken(tok)), nil
}

func (t *tokenFS) Root() *url.URL {
	r := *t.root
	return &r
}

func (t *tokenFS) URL(p string) string {
	u := url.URL{Scheme: "hdfs", Host: t.root.Host, Path: p}
	return u.String()
}

func (t *tokenFS) Home(context.Context) string { return t.home }

func (t *tokenFS) MkdirAll(ctx context.Context, p string, perm fs.FileMode) error {
	nn, err := t.nameNode()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, defaultOpTimeout)
	defer cancel()
	return nn.Mkdirs(ctx, p, perm, true)
}

func (t *tokenFS) Stat(ctx context.Context, p string) (FileStatus, error) {
	nn, err := t.nameNode()
	if err != nil {
		return FileStatus{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, defaultOpTimeout)
	defer cancel()
	fi, err := nn.Stat(ctx, p)
	if err != nil {
		return FileStatus{}, err
	}
	mode := fi.Perm
	if fi.Dir {
		mode |= fs.ModeDir
	}
	return FileStatus{Path: p, Size: fi.Length, ModTime: fi.ModTime.UnixNano() / int64(time.Millisecond), Mode: mode}, nil
}

func (t *tokenFS) RemoveAll(ctx context.Context, p string) error {
	nn, err := t.nameNode()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, defaultOpTimeout)
	defer cancel()
	_, err = nn.Delete(ctx, p, true)
	return err
}

// Create writes the file over WebHDFS. It refuses an existing dst
// (fs.ErrExist); a write that failed at the DataNode has its partial file
// removed.
func (t *tokenFS) Create(ctx context.Context, r io.Reader, dst string, perm fs.FileMode) (FileStatus, error) {
	return t.create(ctx, r, -1, dst, perm)
}

func (t *tokenFS) create(ctx context.Context, r io.Reader, size int64, dst string, perm fs.FileMode) (FileStatus, error) {
	if err := t.web.Create(ctx, dst, r, size, perm, false); err != nil {
		if errors.Is(err, webhdfs.ErrIncomplete) && !errors.Is(err, fs.ErrExist) {
			// The partial file is ours; remove it even if ctx has ended, briefly.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
			_ = t.RemoveAll(rctx, dst)
			cancel()
		}
		return FileStatus{}, fmt.Errorf("staging: create %s: %w", dst, err)
	}
	return t.Stat(ctx, dst)
}

func (t *tokenFS) Upload(ctx context.Context, src, dst string, perm fs.FileMode) (FileStatus, error) {
	f, err := os.Open(src)
	if err != nil {
		return FileStatus{}, fmt.Errorf("staging: upload: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return FileStatus{}, fmt.Errorf("staging: upload: %w", err)
	}
	return t.create(ctx, f, fi.Size(), dst, perm)
}

func (t *tokenFS) Chmod(ctx context.Context, p string, perm fs.FileMode) error {
	ctx, cancel := context.WithTimeout(ctx, defaultOpTimeout)
	defer cancel()
	return t.web.SetPermission(ctx, p, perm)
}

// Rename refuses an existing newpath (fs.ErrExist) in the same NameNode
// call that renames, as the other implementations do.
func (t *tokenFS) Rename(ctx context.Context, oldpath, newpath string) error {
	ctx, cancel := context.WithTimeout(ctx, defaultOpTimeout)
	defer cancel()
	return t.web.Rename(ctx, oldpath, newpath)
}

// ReadFile reads p over WebHDFS after checking its size with the NameNode.
func (t *tokenFS) ReadFile(ctx context.Context, p string, limit int64) ([]byte, error) {
	st, err := t.Stat(ctx, p)
	if err != nil {
		return nil, err
	}
	if st.Size > limit {
		return nil, fmt.Errorf("staging: %s is %d bytes, more than the %d allowed", p, st.Size, limit)
	}
	ctx, cancel := context.WithTimeout(ctx, defaultOpTimeout)
	defer cancel()
	return t.web.ReadFile(ctx, p, limit)
}

func (t *tokenFS) Close() error {
	t.web.Close()
	return t.ipc.Close()
}
