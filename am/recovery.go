package am

import (
	"time"

	"github.com/spindle-yarn/spindle/hadoopconf"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// configureRecovery applies the spec's failure handling to the attempt's
// executor table and allocate loop.
func (a *attempt) configureRecovery(conf *hadoopconf.Conf) {
	r := a.spec.Recovery
	a.pool.SetFailureValidity(time.Duration(r.FailuresValidity))
	timeout := time.Duration(r.ExcludeTimeout)
	if timeout <= 0 {
		timeout = defaultExcludeTimeout
	}
	portNames, _ := conf.GetBool("yarn.scheduler.include-port-in-node-name", false)
	a.loop.exclude = newExclusions(r.ExcludeNodes, r.MaxFailedExecutorsPerNode, timeout, portNames)
}

// rmObserver logs, once each, that the ResourceManager became unreachable
// and that it is back.
func (a *attempt) rmObserver(ev yarn.ConnectionEvent) {
	if ev.State == yarn.RMUnreachable {
		a.log.Warnf("%s; executors keep running", ev)
		return
	}
	a.log.Info(ev.String())
}
