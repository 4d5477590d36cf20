package hadoopconf

// Names Source reports for values that come from the built-in defaults.
const (
	sourceCoreDefault = "core-default.xml (built-in)"
	sourceYarnDefault = "yarn-default.xml (built-in)"
)

// kv is one built-in default.
type kv struct{ key, value string }

// coreDefaults returns the subset of Hadoop 3.2's core-default.xml that a
// YARN client can care about.
func coreDefaults() []kv {
	return []kv{
		{"fs.defaultFS", "file:///"},
		{"hadoop.tmp.dir", "/tmp/hadoop-${user.name}"},
		{"hadoop.security.authentication", "simple"},
		{"hadoop.security.authorization", "false"},
		{"hadoop.rpc.protection", "authentication"},
		{"io.file.buffer.size", "4096"},
		{"fs.permissions.umask-mode", "022"},
		{"ipc.client.connect.timeout", "20000"},
		{"ipc.client.connect.max.retries", "10"},
		{"ipc.client.connect.retry.interval", "1000"},
		{"ipc.client.connect.max.retries.on.timeouts", "45"},
		{"ipc.client.connection.maxidletime", "10000"},
		{"ipc.client.ping", "true"},
		{"ipc.ping.interval", "60000"},
		{"ipc.client.tcpnodelay", "true"},
	}
}

// yarnDefaults returns the subset of Hadoop 3.2's yarn-default.xml that a
// YARN client or ApplicationMaster can care about.
func yarnDefaults() []kv {
	return []kv{
		// ResourceManager endpoints.
		{"yarn.resourcemanager.hostname", "0.0.0.0"},
		{"yarn.resourcemanager.address", "${yarn.resourcemanager.hostname}:8032"},
		{"yarn.resourcemanager.scheduler.address", "${yarn.resourcemanager.hostname}:8030"},
		{"yarn.resourcemanager.resource-tracker.address", "${yarn.resourcemanager.hostname}:8031"},
		{"yarn.resourcemanager.admin.address", "${yarn.resourcemanager.hostname}:8033"},
		{"yarn.resourcemanager.webapp.address", "${yarn.resourcemanager.hostname}:8088"},
		{"yarn.resourcemanager.webapp.https.address", "${yarn.resourcemanager.hostname}:8090"},
		{"yarn.http.policy", "HTTP_ONLY"},

		// ResourceManager HA and client retry behaviour.
		{"yarn.resourcemanager.ha.enabled", "false"},
		{"yarn.resourcemanager.ha.automatic-failover.enabled", "true"},
		{"yarn.resourcemanager.connect.max-wait.ms", "900000"},
		{"yarn.resourcemanager.connect.retry-interval.ms", "30000"},
		{"yarn.client.failover-proxy-provider", "org.apache.hadoop.yarn.client.ConfiguredRMFailoverProxyProvider"},
		{"yarn.client.failover-retries", "0"},
		{"yarn.client.failover-retries-on-socket-timeouts", "0"},
		{"yarn.client.application-client-protocol.poll-interval-ms", "200"},
		{"yarn.client.application-client-protocol.poll-timeout-ms", "-1"},
		{"yarn.client.nodemanager-connect.max-wait-ms", "180000"},
		{"yarn.client.nodemanager-connect.retry-interval-ms", "10000"},

		// Applications and scheduling.
		{"yarn.resourcemanager.am.max-attempts", "2"},
		{"yarn.am.liveness-monitor.expiry-interval-ms", "600000"},
		{"yarn.scheduler.minimum-allocation-mb", "1024"},
		{"yarn.scheduler.maximum-allocation-mb", "8192"},
		{"yarn.scheduler.minimum-allocation-vcores", "1"},
		{"yarn.scheduler.maximum-allocation-vcores", "4"},
		{"yarn.acl.enable", "false"},
		{"yarn.admin.acl", "*"},

		// NodeManager.
		{"yarn.nodemanager.hostname", "0.0.0.0"},
		{"yarn.nodemanager.address", "${yarn.nodemanager.hostname}:0"},
		{"yarn.nodemanager.localizer.address", "${yarn.nodemanager.hostname}:8040"},
		{"yarn.nodemanager.webapp.address", "${yarn.nodemanager.hostname}:8042"},
		{"yarn.nodemanager.local-dirs", "${hadoop.tmp.dir}/nm-local-dir"},
		{"yarn.nodemanager.log-dirs", "${yarn.log.dir}/userlogs"},
		{"yarn.nodemanager.resource.memory-mb", "8192"},
		{"yarn.nodemanager.resource.cpu-vcores", "8"},
		{"yarn.nodemanager.pmem-check-enabled", "true"},
		{"yarn.nodemanager.vmem-check-enabled", "true"},
		{"yarn.nodemanager.vmem-pmem-ratio", "2.1"},
		{"yarn.nodemanager.delete.debug-delay-sec", "0"},
		{"yarn.nodemanager.admin-env", "MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX"},

		// Logs.
		{"yarn.log-aggregation-enable", "false"},
		{"yarn.log-aggregation.retain-seconds", "-1"},
		{"yarn.nodemanager.remote-app-log-dir", "/tmp/logs"},
		{"yarn.nodemanager.remote-app-log-dir-suffix", "logs"},
		{"yarn.nodemanager.log.retain-seconds", "10800"},

		// Timeline service.
		{"yarn.timeline-service.enabled", "false"},
		{"yarn.timeline-service.hostname", "0.0.0.0"},
		{"yarn.timeline-service.address", "${yarn.timeline-service.hostname}:10200"},
		{"yarn.timeline-service.webapp.address", "${yarn.timeline-service.hostname}:8188"},
		{"yarn.timeline-service.webapp.https.address", "${yarn.timeline-service.hostname}:8190"},
	}
}
