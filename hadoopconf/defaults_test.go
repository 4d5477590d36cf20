package hadoopconf

import (
	"path/filepath"
	"testing"
)

func TestBuiltInDefaults(t *testing.T) {
	c := NewDefault(hermetic(nil))
	for key, want := range map[string]string{
		"yarn.resourcemanager.hostname":                 "0.0.0.0",
		"yarn.resourcemanager.address":                  "0.0.0.0:8032",
		"yarn.resourcemanager.scheduler.address":        "0.0.0.0:8030",
		"yarn.resourcemanager.resource-tracker.address": "0.0.0.0:8031",
		"yarn.resourcemanager.webapp.address":           "0.0.0.0:8088",
		"yarn.resourcemanager.webapp.https.address":     "0.0.0.0:8090",
		"yarn.nodemanager.address":                      "0.0.0.0:0",
		"yarn.nodemanager.webapp.address":               "0.0.0.0:8042",
		"yarn.resourcemanager.am.max-attempts":          "2",
		"yarn.scheduler.minimum-allocation-mb":          "1024",
		"yarn.scheduler.maximum-allocation-mb":          "8192",
		"yarn.scheduler.minimum-allocation-vcores":      "1",
		"yarn.scheduler.maximum-allocation-vcores":      "4",
		"yarn.log-aggregation-enable":                   "false",
		"yarn.nodemanager.remote-app-log-dir":           "/tmp/logs",
		"yarn.nodemanager.remote-app-log-dir-suffix":    "logs",
		"yarn.http.policy":                              "HTTP_ONLY",
		"yarn.resourcemanager.ha.enabled":               "false",
		"yarn.resourcemanager.connect.max-wait.ms":      "900000",
		"fs.defaultFS":                      "file:///",
		"hadoop.security.authentication":    "simple",
		"hadoop.rpc.protection":             "authentication",
		"ipc.client.connect.timeout":        "20000",
		"ipc.client.connection.maxidletime": "10000",
		"ipc.ping.interval":                 "60000",
		"ipc.client.ping":                   "true",
		"hadoop.tmp.dir":                    "/tmp/hadoop-alice",
	} {
		wantGet(t, c, key, want)
	}
	if got := c.Source(KeyRMAddress); got != sourceYarnDefault {
		t.Errorf("Source(%s) = %q", KeyRMAddress, got)
	}
	if got := c.Source(KeyDefaultFS); got != sourceCoreDefault {
		t.Errorf("Source(%s) = %q", KeyDefaultFS, got)
	}
	if len(c.Dirs()) != 0 || len(c.Files()) != 0 {
		t.Errorf("NewDefault read files: %q %q", c.Dirs(), c.Files())
	}
}

func TestSiteOverridesDefaults(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		CoreSite: siteXML(`<property><name>hadoop.tmp.dir</name><value>/data/tmp</value></property>`),
		YarnSite: siteXML(`<property><name>yarn.resourcemanager.hostname</name><value>rm</value></property>
			<property><name>yarn.scheduler.maximum-allocation-vcores</name><value>16</value></property>`),
	})
	c, err := Load(Options{Dirs: []string{dir}, User: "bob", LookupEnv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, "yarn.nodemanager.local-dirs", "/data/tmp/nm-local-dir")
	wantGet(t, c, KeySchedulerAddress, "rm:8030")
	wantGet(t, c, "yarn.scheduler.maximum-allocation-vcores", "16")
	wantGet(t, c, "yarn.scheduler.minimum-allocation-vcores", "1")
	if got, want := c.Source(KeyRMHostname), filepath.Join(dir, YarnSite); got != want {
		t.Errorf("Source = %q, want %q", got, want)
	}
}
