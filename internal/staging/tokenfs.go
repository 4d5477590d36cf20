package staging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/hdfsnn"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/secure"
)

// errTokenFS is returned by what a token-authenticated staging filesystem
// cannot do: colinmarc/hdfs cannot authenticate with tokens, so no data is
// written or read through it.
var errTokenFS = errors.New("not supported with HDFS delegation-token authentication (only stat, mkdir and delete are)")

// tokenFS is an hdfs:// staging filesystem authenticated with a delegation
// token (SASL DIGEST-MD5 to the NameNode, through package hdfsnn): what
// the ApplicationMaster uses to delete the staging directory on a secured
// cluster.
type tokenFS struct {
	root *url.URL
	home string
	ipc  *ipc.Client
	nn   *hdfsnn.NameNode
}

// openTokenFS finds the HDFS token of uri's namespace in c.
func openTokenFS(ctx context.Context, conf *hadoopconf.Conf, uri *url.URL, c *creds.Credentials) (*tokenFS, error) {
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
	tok, ok := secure.HDFSToken(c, ns)
	if !ok {
		return nil, fmt.Errorf("staging: the container's credentials hold no %s for %s (service %s)", hdfsnn.TokenKind, ns.URI, ns.Service)
	}
	id, err := hdfsnn.ParseIdentifier(tok.Identifier)
	if err != nil {
		return nil, fmt.Errorf("staging: the HDFS delegation token for %s: %w", ns.URI, err)
	}
	client := ipc.NewClient(ipc.Config{DialTimeout: defaultDialTimeout, Protection: conf.Get(krb.KeyRPCProtection)})
	nn, err := hdfsnn.New(client, ns.Addrs, ns.Service)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("staging: %w", err)
	}
	return &tokenFS{root: &url.URL{Scheme: "hdfs", Host: uri.Host, Path: "/"}, home: "/user/" + secure.ShortName(id.Owner),
		ipc: client, nn: nn.WithToken(*secure.IPCToken(tok))}, nil
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
	ctx, cancel := context.WithTimeout(ctx, defaultOpTimeout)
	defer cancel()
	return t.nn.Mkdirs(ctx, p, perm, true)
}

func (t *tokenFS) Stat(ctx context.Context, p string) (FileStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, defaultOpTimeout)
	defer cancel()
	fi, err := t.nn.Stat(ctx, p)
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
	ctx, cancel := context.WithTimeout(ctx, defaultOpTimeout)
	defer cancel()
	_, err := t.nn.Delete(ctx, p, true)
	return err
}

func (t *tokenFS) Create(context.Context, io.Reader, string, fs.FileMode) (FileStatus, error) {
	return FileStatus{}, fmt.Errorf("staging: create: %w", errTokenFS)
}

func (t *tokenFS) Upload(context.Context, string, string, fs.FileMode) (FileStatus, error) {
	return FileStatus{}, fmt.Errorf("staging: upload: %w", errTokenFS)
}

func (t *tokenFS) Chmod(context.Context, string, fs.FileMode) error {
	return fmt.Errorf("staging: chmod: %w", errTokenFS)
}

func (t *tokenFS) Rename(context.Context, string, string) error {
	return fmt.Errorf("staging: rename: %w", errTokenFS)
}

func (t *tokenFS) ReadFile(context.Context, string, int64) ([]byte, error) {
	return nil, fmt.Errorf("staging: read: %w", errTokenFS)
}

func (t *tokenFS) Close() error { return t.ipc.Close() }
