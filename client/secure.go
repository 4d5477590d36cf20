package client

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/krb"
	"github.com/spindle-yarn/spindle/internal/secure"
	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/staging"
)

// keytabPerm is the mode of the staged keytab: only its owner may read it.
const keytabPerm = 0o600

// openStaging opens the staging filesystem at u (fs.defaultFS when nil) as
// the cluster's identity: Kerberos on a secured cluster.
func (c *Cluster) openStaging(ctx context.Context, u *url.URL) (staging.FS, error) {
	auth := staging.Auth{}
	if c.id != nil {
		auth.User, auth.Kerberos = c.id.User, c.id.Session
	}
	return staging.OpenAs(ctx, c.conf, u, auth)
}

// secured reports whether the cluster uses Kerberos.
func (c *Cluster) secured() bool { return c.id.Kerberos() }

// explain turns errors users can act on into their one-line form:
// impersonation refused.
func (c *Cluster) explain(err error) error {
	if c.id == nil || err == nil {
		return err
	}
	return c.id.ProxyRefused(err)
}

// applicationTokens obtains the delegation tokens an application needs on a
// secured cluster (nil otherwise): an HDFS token for fs.defaultFS and each
// of k.FileSystems, and an RM token, all with the ResourceManager as
// renewer. Without a keytab it warns how long the application can live.
func (c *Cluster) applicationTokens(ctx context.Context, log logrus.FieldLogger, k Kerberos) (*creds.Credentials, error) {
	if !c.secured() {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	renewer := c.renewer(ctx, k)
	if renewer == "" {
		_, err := krb.TokenRenewer(ctx, c.conf)
		return nil, err
	}
	nss, err := secure.Namespaces(ctx, c.conf, k.FileSystems)
	if err != nil {
		return nil, fmt.Errorf("--conf %s: %w", KeyFileSystems, err)
	}
	hdfsToks, err := secure.ObtainHDFS(ctx, c.ipc, nss, renewer)
	if err != nil {
		return nil, c.explain(err)
	}
	out := hdfsToks.Creds
	rmTok, err := secure.ObtainRM(ctx, c.rm, c.conf, renewer)
	if err != nil {
		return nil, c.explain(err)
	}
	out.AddToken(rmTok.Service, rmTok)
	if k.Keytab == "" && !hdfsToks.MaxDate.IsZero() {
		log.Warnf("no --keytab: the application can run until %s (%s from now, the HDFS delegation tokens' maximum lifetime); pass --principal and --keytab for longer",
			hdfsToks.MaxDate.Format(time.RFC3339), time.Until(hdfsToks.MaxDate).Round(time.Minute))
	}
	return out, nil
}

// kerberosSpec is what the AM is told about a secured cluster (nil
// otherwise).
func (c *Cluster) kerberosSpec(k Kerberos) *spec.Kerberos {
	if !c.secured() {
		return nil
	}
	ks := &spec.Kerberos{Filesystems: k.FileSystems, RenewalInterval: spec.Duration(k.RenewalInterval)}
	if k.Keytab != "" {
		ks.Principal = c.id.Principal
	}
	return ks
}

// stageKeytab puts the keytab (mode 0600) and the Kerberos configuration into
// the staging directory as PRIVATE resources of the AM's container only,
// when a keytab login is to be shipped.
func (c *Cluster) stageKeytab(ctx context.Context, fsys staging.FS, dir string, k Kerberos) ([]spec.Resource, error) {
	if !c.secured() || k.Keytab == "" {
		return nil, nil
	}
	_, krb5Path, err := krb.LoadConfig("", nil)
	if err != nil {
		return nil, err
	}
	var out []spec.Resource
	for _, f := range []struct{ src, link string }{{k.Keytab, spec.KeytabLink}, {krb5Path, spec.KRB5ConfLink}} {
		data, err := os.ReadFile(f.src)
		if err != nil {
			return nil, fmt.Errorf("ship %s: %w", f.src, err)
		}
		res, err := putBytes(ctx, fsys, path.Join(dir, f.link), f.link, data, keytabPerm, spec.VisibilityPrivate)
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

// user is the Hadoop user the application runs as: the proxy user, the
// Kerberos principal's short name, or the configuration's user.
func (c *Cluster) user() string {
	if c.id == nil {
		return c.conf.User()
	}
	return c.id.EffectiveUser()
}

// renewer is the renewer named in the application's delegation tokens:
// spindle.kerberos.tokenRenewer, else the ResourceManager's principal ("" if
// it cannot be resolved).
func (c *Cluster) renewer(ctx context.Context, k Kerberos) string {
	if k.TokenRenewer != "" || !c.secured() {
		return k.TokenRenewer
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, _ := krb.TokenRenewer(ctx, c.conf)
	return r
}
