package hadoopconf

import (
	"strings"
	"testing"
)

func TestDefaultFS(t *testing.T) {
	tests := []struct {
		name    string
		set     [][2]string // applied in order
		want    string
		wantErr bool
	}{
		{name: "default", want: "file:///"},
		{name: "hdfs", set: [][2]string{{KeyDefaultFS, " hdfs://nn:8020 "}}, want: "hdfs://nn:8020"},
		{name: "legacy set later wins", set: [][2]string{{KeyDefaultFSLegacy, "hdfs://old:9000"}}, want: "hdfs://old:9000"},
		{name: "new set after legacy wins", set: [][2]string{{KeyDefaultFSLegacy, "hdfs://old:9000"}, {KeyDefaultFS, "hdfs://new"}}, want: "hdfs://new"},
		{name: "old-style host:port", set: [][2]string{{KeyDefaultFS, "nn.example.com:8020"}}, want: "hdfs://nn.example.com:8020"},
		{name: "local", set: [][2]string{{KeyDefaultFS, "local"}}, want: "file:///"},
		{name: "expanded", set: [][2]string{{"nn", "nn1"}, {KeyDefaultFS, "hdfs://${nn}"}}, want: "hdfs://nn1"},
		{name: "blank", set: [][2]string{{KeyDefaultFS, " "}}, wantErr: true},
		{name: "no scheme", set: [][2]string{{KeyDefaultFS, "/just/a/path"}}, wantErr: true},
		{name: "unparsable", set: [][2]string{{KeyDefaultFS, "hdfs://bad host/"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewDefault(hermetic(nil))
			for _, kv := range tt.set {
				c.Set(kv[0], kv[1])
			}
			u, err := c.DefaultFS()
			if tt.wantErr {
				if err == nil {
					t.Fatalf("DefaultFS() = %v, want error", u)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Fatalf("DefaultFS() = %v, %v; want %s", u, err, tt.want)
			}
		})
	}
}

func TestNameNodeAddresses(t *testing.T) {
	c, err := Load(Options{Dirs: []string{fixture(t, "hdfs-ha")}, User: "u", LookupEnv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "Nameservices()", c.Nameservices(), []string{"mycluster", "other"})
	ha := []string{"nn1.example.com:8020", "nn2.example.com:8020"}
	wantStrings(t, "NameNodeAddresses(mycluster)", c.NameNodeAddresses("mycluster"), ha)
	wantStrings(t, `NameNodeAddresses("")`, c.NameNodeAddresses(""), ha) // from fs.defaultFS
	wantStrings(t, "NameNodeAddresses(other)", c.NameNodeAddresses("other"), []string{"other-nn:9000"})
	wantStrings(t, "NameNodeAddresses(host:port)", c.NameNodeAddresses("plain-nn:9820"), []string{"plain-nn:9820"})
	wantStrings(t, "NameNodeAddresses(host)", c.NameNodeAddresses("plain-nn"), []string{"plain-nn:8020"})

	c.Set(KeyNameservices, "mycluster,other,unresolved")
	wantStrings(t, "NameNodeAddresses(unresolved)", c.NameNodeAddresses("unresolved"), nil)

	// A single nameservice may use the unsuffixed key.
	single := NewDefault(hermetic(nil))
	single.Set(KeyNameservices, "ns")
	single.Set("dfs.namenode.rpc-address", "nn:8020")
	wantStrings(t, "single nameservice", single.NameNodeAddresses("ns"), []string{"nn:8020"})

	// fs.defaultFS is not HDFS: nothing to resolve.
	wantStrings(t, "file:// default", NewDefault(hermetic(nil)).NameNodeAddresses(""), nil)
}

func TestNameNodeWebURLs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props map[string]string
		ns    string
		want  []string
	}{
		{"default port, the RPC host", map[string]string{"fs.defaultFS": "hdfs://nn1:8020"}, "", []string{"http://nn1:9870"}},
		{"wildcard host", map[string]string{"fs.defaultFS": "hdfs://nn1:8020", "dfs.namenode.http-address": "0.0.0.0:50070"}, "", []string{"http://nn1:50070"}},
		{"https only", map[string]string{"fs.defaultFS": "hdfs://nn1", "dfs.http.policy": "HTTPS_ONLY", "dfs.namenode.https-address": "web1:443"}, "", []string{"https://web1:443"}},
		{"HA", map[string]string{"fs.defaultFS": "hdfs://ns1", "dfs.nameservices": "ns1", "dfs.ha.namenodes.ns1": "a,b",
			"dfs.namenode.rpc-address.ns1.a": "h1:8020", "dfs.namenode.rpc-address.ns1.b": "h2:8020",
			"dfs.namenode.http-address.ns1.a": "web1:9870", "dfs.namenode.http-address": "0.0.0.0:50070"}, "",
			[]string{"http://web1:9870", "http://h2:50070"}},
		{"HA, a bad RPC address skipped", map[string]string{"fs.defaultFS": "hdfs://ns1", "dfs.nameservices": "ns1", "dfs.ha.namenodes.ns1": "a,b,c",
			"dfs.namenode.rpc-address.ns1.a": "h1:bad:port", "dfs.namenode.rpc-address.ns1.b": "h2:8020", "dfs.namenode.rpc-address.ns1.c": "h3:8020",
			"dfs.namenode.http-address.ns1.b": "h2:1", "dfs.namenode.http-address.ns1.c": "h3:2"}, "",
			[]string{"http://h2:1", "http://h3:2"}},
		{"another namespace", map[string]string{"fs.defaultFS": "hdfs://nn1:8020", "dfs.namenode.http-address": "nn1:50070"}, "other:9000",
			[]string{"http://other:50070"}},
		{"fs.defaultFS's namespace named", map[string]string{"fs.defaultFS": "hdfs://nn1:8020", "dfs.namenode.http-address": "web:50070"}, "nn1:8020",
			[]string{"http://web:50070"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewDefault(hermetic(nil))
			for k, v := range tc.props {
				c.Set(k, v)
			}
			if got := c.NameNodeWebURLs(tc.ns); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("NameNodeWebURLs(%q) = %v, want %v", tc.ns, got, tc.want)
			}
		})
	}
}
