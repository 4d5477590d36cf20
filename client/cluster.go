package client

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/ipc"
	"github.com/spindle-yarn/spindle/internal/secure"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// Cluster is a connection to the YARN cluster that a Hadoop configuration describes.
type Cluster struct {
	conf *hadoopconf.Conf
	ipc  *ipc.Client
	rm   *yarn.ResourceManager
	// callLimit bounds one call made on the user's behalf: as long as the
	// retry policy rides out an unreachable ResourceManager, and then some
	// (0: no bound beyond the caller's context; the policy waits for ever).
	callLimit time.Duration
	watch     rmWatch
	id        *secure.Identity // who the client is: SIMPLE user or Kerberos login
	krb       Kerberos
}

// Connect prepares a connection to the ResourceManager(s) of conf (nothing is dialled
// until the first call), logged in from the ticket cache on a secured cluster.
// Close it when done.
func Connect(conf *hadoopconf.Conf) (*Cluster, error) {
	return ConnectAs(context.Background(), conf, Kerberos{})
}

// ConnectAs is Connect with the login k says on a secured cluster
// (hadoop.security.authentication=kerberos): every connection to the
// ResourceManager and the NameNodes, and the staging filesystem, authenticate
// as that login (and act for k.ProxyUser). It is the one place the client's
// authenticated connections are built. A failed login is a one-line
// *krb.Error naming the fix.
func ConnectAs(ctx context.Context, conf *hadoopconf.Conf, k Kerberos) (*Cluster, error) {
	addrs, err := conf.RMAddresses()
	if err != nil {
		return nil, fmt.Errorf("find the ResourceManager: %w", err)
	}
	for _, a := range addrs {
		if strings.HasPrefix(a, "0.0.0.0:") {
			return nil, fmt.Errorf("the ResourceManager address is %s (Hadoop's default: yarn.resourcemanager.hostname is not set) in the configuration read from %s: point HADOOP_CONF_DIR at the cluster's configuration, or set yarn.resourcemanager.hostname in its yarn-site.xml",
				a, strings.Join(conf.Dirs(), ", "))
		}
	}
	dial, err := conf.GetDuration("ipc.client.connect.timeout", time.Millisecond, 20*time.Second)
	if err != nil {
		return nil, err
	}
	idle, err := conf.GetDuration("ipc.client.connection.maxidletime", time.Millisecond, 10*time.Second)
	if err != nil {
		return nil, err
	}
	id, err := secure.Login(ctx, conf, secure.LoginOptions{Principal: k.Principal, Keytab: k.Keytab, ProxyUser: k.ProxyUser})
	if err != nil {
		return nil, err
	}
	policy, err := yarn.RetryPolicyFromConf(conf)
	if err != nil {
		id.Close()
		return nil, fmt.Errorf("the ResourceManager retry settings: %w", err)
	}
	c := id.IPC(conf, ipc.Config{DialTimeout: dial, IdleTimeout: idle})
	cl := &Cluster{conf: conf, ipc: c, id: id, krb: k, callLimit: callLimit(policy)}
	rm, err := yarn.NewResourceManager(c, addrs, yarn.WithRetryPolicy(policy), yarn.WithObserver(cl.watch.observe))
	if err != nil {
		c.Close()
		id.Close()
		return nil, fmt.Errorf("find the ResourceManager: %w", err)
	}
	cl.rm = rm
	return cl, nil
}

// Close closes the cluster's connections.
func (c *Cluster) Close() error {
	defer c.id.Close()
	return c.ipc.Close()
}

// Conf is the Hadoop configuration the Cluster was connected with.
func (c *Cluster) Conf() *hadoopconf.Conf { return c.conf }

// withRPCTimeout bounds one ResourceManager call made on the user's behalf
// by the retry policy's patience (see callLimit), never cutting it short.
func (c *Cluster) withRPCTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.callLimit <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.callLimit)
}
