package main

import (
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/hadoopconf"
)

// connect loads the Hadoop configuration from YARN_CONF_DIR / HADOOP_CONF_DIR
// and prepares a connection to its ResourceManager, saying once when it
// cannot be reached (calls retry, failing over between HA ResourceManagers)
// and once when it is back.
func connect(env *cliEnv) (*client.Cluster, error) {
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		return nil, err
	}
	cl, err := client.Connect(conf)
	if err != nil {
		return nil, err
	}
	cl.OnConnectionChange(func(msg string, reachable bool) {
		if reachable {
			env.log.Info(msg)
		} else {
			env.log.Warn(msg)
		}
	})
	return cl, nil
}
