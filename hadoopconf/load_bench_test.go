package hadoopconf

// Benchmarks of configuration loading, which every spindle command and every
// ApplicationMaster does once at start-up.
//
//	go test -run '^$' -bench . -benchmem ./hadoopconf/

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchSite renders a Hadoop site file from name/value pairs.
func benchSite(props [][2]string) string {
	var sb strings.Builder
	sb.WriteString("<?xml version=\"1.0\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"configuration.xsl\"?>\n<configuration>\n")
	for _, p := range props {
		fmt.Fprintf(&sb, "  <property>\n    <name>%s</name>\n    <value>%s</value>\n    <description>Set for the benchmark.</description>\n  </property>\n", p[0], p[1])
	}
	sb.WriteString("</configuration>\n")
	return sb.String()
}

// benchConfDir writes core-site.xml, hdfs-site.xml and yarn-site.xml with
// the single-node test cluster's settings plus extra generated properties
// per file (a production yarn-site.xml often has a few hundred).
func benchConfDir(tb testing.TB, extra int) string {
	tb.Helper()
	dir := tb.TempDir()
	core := [][2]string{{"fs.defaultFS", "hdfs://nameservice1"}, {"hadoop.tmp.dir", "/data/tmp/${user.name}"},
		{"hadoop.security.authentication", "simple"}}
	hdfs := [][2]string{{"dfs.nameservices", "nameservice1"}, {"dfs.ha.namenodes.nameservice1", "nn1,nn2"},
		{"dfs.namenode.rpc-address.nameservice1.nn1", "nn1.example.com:8020"},
		{"dfs.namenode.rpc-address.nameservice1.nn2", "nn2.example.com:8020"}}
	yarn := [][2]string{{"yarn.resourcemanager.hostname", "127.0.0.1"}, {"yarn.resourcemanager.address", "${yarn.resourcemanager.hostname}:18032"},
		{"yarn.resourcemanager.scheduler.address", "${yarn.resourcemanager.hostname}:18030"},
		{"yarn.resourcemanager.webapp.address", "${yarn.resourcemanager.hostname}:18088"},
		{"yarn.nodemanager.resource.memory-mb", "8192"}, {"yarn.scheduler.minimum-allocation-mb", "128"},
		{"yarn.scheduler.maximum-allocation-mb", "4096"}, {"yarn.log-aggregation-enable", "true"},
		{"yarn.nodemanager.remote-app-log-dir", "${hadoop.tmp.dir}/app-logs"}}
	for i := 0; i < extra; i++ {
		core = append(core, [2]string{fmt.Sprintf("bench.core.prop%d", i), fmt.Sprintf("value-%d-${hadoop.tmp.dir}", i)})
		hdfs = append(hdfs, [2]string{fmt.Sprintf("dfs.bench.prop%d", i), fmt.Sprint(i * 1024)})
		yarn = append(yarn, [2]string{fmt.Sprintf("yarn.bench.prop%d", i), fmt.Sprintf("host%d.example.com:%d", i, 8000+i)})
	}
	for name, props := range map[string][][2]string{CoreSite: core, HDFSSite: hdfs, YarnSite: yarn} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(benchSite(props)), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func benchOptions(dir string) Options {
	return Options{Dirs: []string{dir}, User: "alice", HomeDir: "/home/alice",
		LookupEnv: func(string) (string, bool) { return "", false }}
}

// BenchmarkLoad loads the three site files over the built-in defaults.
func BenchmarkLoad(b *testing.B) {
	for _, c := range []struct {
		name  string
		extra int
	}{{"testcluster", 0}, {"production-300", 100}} {
		b.Run(c.name, func(b *testing.B) {
			opts := benchOptions(benchConfDir(b, c.extra))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClientStartup is what a client does with the configuration before
// its first RPC: load it, then resolve the RM and scheduler addresses and the
// default filesystem.
func BenchmarkClientStartup(b *testing.B) {
	opts := benchOptions(benchConfDir(b, 0))
	b.ReportAllocs()
	for b.Loop() {
		c, err := Load(opts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.RMAddresses(); err != nil {
			b.Fatal(err)
		}
		if _, err := c.SchedulerAddresses(); err != nil {
			b.Fatal(err)
		}
		if _, err := c.DefaultFS(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet reads one property that needs ${} expansion and one that
// does not.
func BenchmarkGet(b *testing.B) {
	c, err := Load(benchOptions(benchConfDir(b, 0)))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("expanded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v := c.Get("yarn.resourcemanager.address"); v != "127.0.0.1:18032" {
				b.Fatalf("got %q", v)
			}
		}
	})
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v := c.Get("yarn.scheduler.minimum-allocation-mb"); v != "128" {
				b.Fatalf("got %q", v)
			}
		}
	})
}
