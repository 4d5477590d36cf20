package staging

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/hadoopconf"
)

func confWith(kv ...string) *hadoopconf.Conf {
	c := hadoopconf.NewDefault(hadoopconf.Options{User: "alice"})
	for i := 0; i+1 < len(kv); i += 2 {
		c.Set(kv[i], kv[i+1])
	}
	return c
}

// TestOptionsFromConf: the one constructor takes the user, HA NameNodes,
// replication and DataNode addressing from the Hadoop configuration.
func TestOptionsFromConf(t *testing.T) {
	c := confWith("dfs.replication", "2", "dfs.client.use.datanode.hostname", "true",
		"dfs.ha.namenodes.ns", "nn1,nn2", "dfs.namenode.rpc-address.ns.nn1", "a:8020", "dfs.namenode.rpc-address.ns.nn2", "b:8020")
	o, err := optionsFrom(c, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.User != "alice" || o.Replication != 2 || !o.UseDatanodeHostname {
		t.Errorf("options = %+v", o)
	}
	if nn := o.NameNodes("ns"); strings.Join(nn, ",") != "a:8020,b:8020" {
		t.Errorf("NameNodes(ns) = %q", nn)
	}
	if o, _ := optionsFrom(confWith(), "bob"); o.User != "bob" || o.Replication != 0 || o.UseDatanodeHostname {
		t.Errorf("defaults for bob = %+v", o)
	}
	for _, bad := range [][]string{{"dfs.replication", "0"}, {"dfs.replication", "three"}, {"dfs.client.use.datanode.hostname", "maybe"}} {
		if _, err := optionsFrom(confWith(bad...), ""); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%s: err = %v, want one naming the key", bad[0], bad[1], err)
		}
	}
}

func TestOpenUsesDefaultFS(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	f, err := Open(context.Background(), confWith("fs.defaultFS", "file:///"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Root().String() != "file:///" {
		t.Errorf("Root = %s", f.Root())
	}
	_, err = Open(context.Background(), confWith(), &url.URL{Scheme: "s3a", Host: "b", Path: "/"}, "")
	if err == nil || !strings.Contains(err.Error(), "s3a") {
		t.Errorf("s3a: err = %v", err)
	}
}
