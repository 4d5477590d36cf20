package logs

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/krb"
)

// OpenFSAs is OpenFS on a secured cluster: hdfs:// is read as the Kerberos
// login s (the NameNode principal from dfs.namenode.kerberos.principal,
// dfs.data.transfer.protection for the DataNode streams). A nil s is OpenFS.
func OpenFSAs(ctx context.Context, conf *hadoopconf.Conf, u *url.URL, s *krb.Session) (FS, error) {
	if s == nil || !strings.EqualFold(u.Scheme, "hdfs") {
		return OpenFS(ctx, conf, u)
	}
	addrs := conf.NameNodeAddresses(u.Host)
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no NameNode address for %s", u.Redacted())
	}
	opts, err := krb.HDFSOptions(conf, s)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: hdfsDialTimeout, KeepAlive: 30 * time.Second}
	opts.Addresses, opts.NamenodeDialFunc, opts.DatanodeDialFunc = addrs, d.DialContext, d.DialContext
	c, err := callTimeout(ctx, nil, func() (*hdfs.Client, error) { return hdfs.NewClient(opts) })
	if err != nil {
		return nil, fmt.Errorf("connect to HDFS NameNode(s) %s as %s: %w", strings.Join(addrs, ","), s.Principal(), err)
	}
	return &hdfsFS{c: c}, nil
}
