package client

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/ipc"
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
}

// Connect prepares a connection to the ResourceManager(s) of conf (nothing is dialled
// until the first call). Close it when done.
func Connect(conf *hadoopconf.Conf) (*Cluster, error) {
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
	c := ipc.NewClient(ipc.Config{User: conf.User(), DialTimeout: dial, IdleTimeout: idle,
		Protection: conf.Get("hadoop.rpc.protection")})
	policy, err := yarn.RetryPolicyFromConf(conf)
	if err != nil {
		return nil, fmt.Errorf("the ResourceManager retry settings: %w", err)
	}
	cl := &Cluster{conf: conf, ipc: c, callLimit: callLimit(policy)}
	rm, err := yarn.NewResourceManager(c, addrs, yarn.WithRetryPolicy(policy), yarn.WithObserver(cl.watch.observe))
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("find the ResourceManager: %w", err)
	}
	cl.rm = rm
	return cl, nil
}

// Close closes the cluster's connections.
func (c *Cluster) Close() error { return c.ipc.Close() }

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
