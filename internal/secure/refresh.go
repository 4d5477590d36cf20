package secure

import (
	"context"

	"fmt"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/hdfsnn"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/krb"
)

// Refresher bounds.
const (
	// minRefreshInterval keeps a misconfigured interval from hammering the
	// KDC and the NameNodes.
	minRefreshInterval = 5 * time.Second
	// retryInterval is the wait after a failed refresh.
	retryInterval = time.Minute
	// refreshTimeout bounds one refresh (login and every token).
	refreshTimeout = 2 * time.Minute
	// refreshShare is the share of a token's renewal period after which a
	// new one is obtained (Spark uses 0.75 too).
	refreshShare = 0.75
)

// Refresher keeps an application's HDFS delegation tokens fresh in the
// ApplicationMaster: it logs in again from the shipped keytab, obtains new
// tokens for every namespace and publishes credentials in which they
// replace the old ones. Without it the ResourceManager renews the
// submission's tokens only until their maximum lifetime (7 days by
// default).
type Refresher struct {
	// Conf is the shipped Hadoop configuration.
	Conf *hadoopconf.Conf
	// Principal and Keytab are the login; KRB5Config the krb5.conf path
	// ("" for KRB5_CONFIG or /etc/krb5.conf).
	Principal, Keytab, KRB5Config string
	// Namespaces are the HDFS namespaces the application has tokens for.
	Namespaces []Namespace
	// Interval, if positive, is the time between refreshes
	// (spindle.kerberos.renewal.interval); otherwise it is 75% of the
	// tokens' renewal period.
	Interval time.Duration
	// Base is the credentials the new tokens are put into (a copy).
	Base *creds.Credentials
	// Publish receives each new set of credentials.
	Publish func(*creds.Credentials) error
	// IPC carries the timeouts of the NameNode connections.
	IPC ipc.Config
	// Log receives one line per refresh.
	Log logrus.FieldLogger
}

// Run refreshes until ctx ends. A failed refresh is logged and retried a
// minute later; the current tokens stay published meanwhile.
func (r *Refresher) Run(ctx context.Context) {
	wait := r.Interval
	if wait <= 0 {
		wait = r.firstWait()
	}
	for {
		t := time.NewTimer(max(wait, minRefreshInterval))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		next, err := r.RefreshOnce(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			r.Log.WithError(err).Warnf("could not refresh the delegation tokens from keytab %s; retrying in %s", r.Keytab, retryInterval)
			wait = retryInterval
		default:
			wait = next
		}
	}
}

// firstWait is the wait before the first refresh when no interval is set:
// 75% of the time to the base tokens' maximum date is too late (the RM
// renews them until then), so refresh at 75% of their renewal period,
// which the first refresh learns; until then, assume a day (Hadoop's
// default dfs.namenode.delegation.token.renew-interval).
func (r *Refresher) firstWait() time.Duration {
	return time.Duration(refreshShare * float64(24*time.Hour))
}

// RefreshOnce logs in from the keytab, obtains new HDFS tokens with the
// principal itself as renewer (so that it can learn their renewal period
// by renewing one), publishes them and returns when to refresh next.
func (r *Refresher) RefreshOnce(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	s, err := krb.Login(ctx, krb.Options{Principal: r.Principal, Keytab: r.Keytab, ConfigPath: r.KRB5Config})
	if err != nil {
		return 0, err
	}
	defer s.Close()
	id := &Identity{Session: s}
	c := id.IPC(r.Conf, r.IPC)
	defer c.Close()
	toks, err := ObtainHDFS(ctx, c, r.Namespaces, s.Principal())
	if err != nil {
		return 0, err
	}
	next := r.Interval
	if next <= 0 {
		next = r.renewalPeriod(ctx, c, toks)
	}
	fresh := r.Base.Clone()
	for _, t := range toks.Creds.TokensOfKind(hdfsnn.TokenKind) {
		fresh.AddToken(t.Service, t)
	}
	if err := r.Publish(fresh); err != nil {
		return 0, fmt.Errorf("publish the new credentials: %w", err)
	}
	r.Log.Infof("obtained new HDFS delegation tokens for %d namespace(s) as %s; next refresh in %s", len(r.Namespaces), s.Principal(), next.Round(time.Second))
	return next, nil
}

// renewalPeriod renews one of the new tokens to learn how long tokens live
// between renewals, and returns 75% of it (a day's 75% if that fails).
func (r *Refresher) renewalPeriod(ctx context.Context, c *ipc.Client, toks *HDFSTokens) time.Duration {
	fallback := r.firstWait()
	list := toks.Creds.TokensOfKind(hdfsnn.TokenKind)
	if len(list) == 0 || len(r.Namespaces) == 0 {
		return fallback
	}
	nn, err := hdfsnn.New(c, r.Namespaces[0].Addrs, r.Namespaces[0].Service)
	if err != nil {
		return fallback
	}
	t, _ := HDFSToken(toks.Creds, r.Namespaces[0])
	exp, err := nn.RenewDelegationToken(ctx, *IPCToken(t))
	if err != nil || !exp.After(time.Now()) {
		return fallback
	}
	return time.Duration(refreshShare * float64(time.Until(exp)))
}
