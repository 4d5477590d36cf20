package am

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/proc"
	"github.com/spindle-yarn/spindle/internal/secure"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// driverEnv is the cluster-mode driver's environment: the AM's, the role's,
// and HADOOP_TOKEN_FILE_LOCATION pointing at the driver's own credentials
// file (the AM's without the AMRM token), which the AM rewrites in place
// when it refreshes the tokens.
func (a *attempt) driverEnv(role container.Env) ([]string, error) {
	env := spec.RoleEnv(a.spec.Driver.Env, a.getenv("PWD"), role)
	if a.creds != nil {
		path, err := filepath.Abs(driverTokensPath(a.getenv("PWD")))
		if err != nil {
			return nil, err
		}
		if err := a.creds.writeDriverTokens(path); err != nil {
			return nil, err
		}
		env[creds.EnvTokenFile] = path
	}
	return proc.Environ(os.Environ(), env), nil
}

// startRefresher starts, for a secured application submitted with a
// keytab, the refresher that logs in again from the shipped keytab and
// publishes new delegation tokens until ctx ends.
func (a *attempt) startRefresher(ctx context.Context, wg *sync.WaitGroup) {
	k := a.spec.Kerberos
	if !k.Refreshes() || a.creds == nil {
		return
	}
	pwd := a.getenv("PWD")
	keytab := filepath.Join(pwd, spec.KeytabLink)
	if _, err := os.Stat(keytab); err != nil {
		a.log.WithError(err).Warn("the keytab was not shipped: the delegation tokens will not be refreshed")
		return
	}
	krb5 := filepath.Join(pwd, spec.KRB5ConfLink)
	if _, err := os.Stat(krb5); err != nil {
		krb5 = "" // KRB5_CONFIG or /etc/krb5.conf
	}
	nss, err := secure.Namespaces(ctx, a.conf, k.Filesystems)
	if err != nil {
		a.log.WithError(err).Warn("the delegation tokens will not be refreshed")
		return
	}
	a.creds.announce()
	r := &secure.Refresher{Conf: a.conf, Principal: k.Principal, Keytab: keytab, KRB5Config: krb5, Namespaces: nss,
		Interval: time.Duration(k.RenewalInterval), Base: a.creds.current(), Publish: a.publishCredentials,
		IPC: ipc.Config{DialTimeout: 20 * time.Second}, Log: a.log}
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.Run(ctx)
	}()
}

// publishCredentials installs refreshed credentials: new executors get
// them, the API announces them, and the cluster-mode driver's file is
// rewritten in place.
func (a *attempt) publishCredentials(c *creds.Credentials) error {
	if err := a.creds.update(c); err != nil {
		return err
	}
	_, v := a.creds.driverTokens()
	if a.spec.Mode == spec.ModeCluster && len(a.spec.Driver.Command) > 0 {
		path, err := filepath.Abs(driverTokensPath(a.getenv("PWD")))
		if err != nil {
			return err
		}
		if err := a.creds.writeDriverTokens(path); err != nil {
			return err
		}
	}
	a.log.Infof("credentials version %d published", v)
	return nil
}
