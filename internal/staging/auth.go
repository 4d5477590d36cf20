package staging

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/colinmarc/hdfs/v2"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/secure"
)

// Auth says how OpenAs authenticates to HDFS. The zero value is SIMPLE
// authentication as the configuration's user (what Open does).
type Auth struct {
	// User is the SIMPLE user ("" for conf's).
	User string
	// Kerberos, if set, authenticates with this login (the submitting
	// client on a secured cluster), with dfs.data.transfer.protection for
	// the DataNode streams. The user is the principal's short name.
	Kerberos *krb.Session
	// Tokens, if set, returns the newest credentials, whose HDFS delegation
	// token for the namespace authenticates every call (inside a YARN
	// container, which has no Kerberos ticket): metadata over the
	// NameNode's IPC, file contents over WebHDFS.
	Tokens func() *creds.Credentials
}

// OpenAs is Open with the authentication auth says (see Open).
func OpenAs(ctx context.Context, conf *hadoopconf.Conf, uri *url.URL, auth Auth) (FS, error) {
	user := auth.User
	if auth.Kerberos != nil {
		user = secure.ShortName(auth.Kerberos.Principal())
	}
	opts, err := optionsFrom(conf, user)
	if err != nil {
		return nil, err
	}
	if uri == nil {
		if uri, err = conf.DefaultFS(); err != nil {
			return nil, fmt.Errorf("staging: %w", err)
		}
	}
	if !strings.EqualFold(uri.Scheme, "hdfs") {
		return open(ctx, uri, opts)
	}
	switch {
	case auth.Tokens != nil:
		return openTokenFS(ctx, conf, uri, auth.Tokens)
	case auth.Kerberos != nil:
		ko, err := krb.HDFSOptions(conf, auth.Kerberos)
		if err != nil {
			return nil, fmt.Errorf("staging: %w", err)
		}
		opts.Auth = "kerberos"
		opts.ConfigureClient = func(c *hdfs.ClientOptions) error {
			c.KerberosClient = ko.KerberosClient
			c.KerberosServicePrincipleName = ko.KerberosServicePrincipleName
			c.DataTransferProtection = ko.DataTransferProtection
			return nil
		}
	}
	return open(ctx, uri, opts)
}
