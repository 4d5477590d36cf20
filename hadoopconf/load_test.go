package hadoopconf

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestYarnConfDirBeatsHadoopConfDirPerFile(t *testing.T) {
	yarnDir := fixture(t, "precedence", "yarn")
	hadoopDir := fixture(t, "precedence", "hadoop")
	c, err := Load(hermetic(map[string]string{
		"YARN_CONF_DIR":   yarnDir,
		"HADOOP_CONF_DIR": hadoopDir,
		"HADOOP_HOME":     fixture(t, "hadoop-home"), // ignored: the conf dirs are set
	}))
	if err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, "test.core.origin", "yarn-dir")        // core-site.xml in both: YARN_CONF_DIR's
	wantGet(t, c, "test.only.in.hadoop.core", "")        // HADOOP_CONF_DIR's core-site.xml not read at all
	wantGet(t, c, "test.hdfs.origin", "hadoop-dir")      // hdfs-site.xml only in HADOOP_CONF_DIR
	wantGet(t, c, "test.yarn.origin", "yarn-dir")        // yarn-site.xml in both
	wantGet(t, c, KeyRMAddress, "rm-from-yarn-dir:8032") // default ${hostname}:8032 expanded
	wantStrings(t, "Dirs()", c.Dirs(), []string{yarnDir, hadoopDir})
	wantStrings(t, "Files()", c.Files(), []string{
		filepath.Join(yarnDir, CoreSite),
		filepath.Join(hadoopDir, HDFSSite),
		filepath.Join(yarnDir, YarnSite),
	})
	if got, want := c.Source("test.hdfs.origin"), filepath.Join(hadoopDir, HDFSSite); got != want {
		t.Errorf("Source = %q, want %q", got, want)
	}
}

func TestHadoopConfDirAlone(t *testing.T) {
	dir := fixture(t, "precedence", "hadoop")
	c, err := Load(hermetic(map[string]string{"HADOOP_CONF_DIR": dir, "YARN_CONF_DIR": ""}))
	if err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, "test.core.origin", "hadoop-dir")
	wantStrings(t, "Dirs()", c.Dirs(), []string{dir})
}

func TestSameDirInBothVariablesListedOnce(t *testing.T) {
	dir := fixture(t, "precedence", "hadoop")
	c, err := Load(hermetic(map[string]string{"HADOOP_CONF_DIR": dir, "YARN_CONF_DIR": dir + "/"}))
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "Dirs()", c.Dirs(), []string{dir})
	if n := len(c.Files()); n != 3 {
		t.Errorf("Files() = %q, want 3 files", c.Files())
	}
}

func TestHadoopHomeFallback(t *testing.T) {
	c, err := Load(hermetic(map[string]string{"HADOOP_HOME": fixture(t, "hadoop-home")}))
	if err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, KeyRMHostname, "rm-from-hadoop-home")
	wantStrings(t, "Dirs()", c.Dirs(), []string{fixture(t, "hadoop-home", "etc", "hadoop")})
}

func TestHadoopHomeNotUsedWhenConfDirSet(t *testing.T) {
	_, err := Load(hermetic(map[string]string{
		"YARN_CONF_DIR": filepath.Join(t.TempDir(), "missing"),
		"HADOOP_HOME":   fixture(t, "hadoop-home"),
	}))
	if !errors.Is(err, ErrNoConfig) {
		t.Fatalf("err = %v, want ErrNoConfig", err)
	}
	if !strings.Contains(err.Error(), "YARN_CONF_DIR=") || !strings.Contains(err.Error(), "no such directory") {
		t.Errorf("error does not say what was checked: %v", err)
	}
}

func TestMissingDirSkipped(t *testing.T) {
	dir := fixture(t, "precedence", "hadoop")
	c, err := Load(hermetic(map[string]string{
		"YARN_CONF_DIR":   filepath.Join(t.TempDir(), "missing"),
		"HADOOP_CONF_DIR": dir,
	}))
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "Dirs()", c.Dirs(), []string{dir})
}

func TestNoConfigErrors(t *testing.T) {
	emptyDir := t.TempDir()
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
		want []string // substrings of the message
	}{
		{"nothing set", hermetic(nil),
			[]string{"HADOOP_CONF_DIR is not set", "YARN_CONF_DIR is not set", "HADOOP_HOME is not set", "set HADOOP_CONF_DIR"}},
		{"empty values", hermetic(map[string]string{"HADOOP_CONF_DIR": "", "YARN_CONF_DIR": ""}),
			[]string{"HADOOP_CONF_DIR is not set"}},
		{"missing dir", hermetic(map[string]string{"HADOOP_CONF_DIR": filepath.Join(emptyDir, "nope")}),
			[]string{"HADOOP_CONF_DIR=" + filepath.Join(emptyDir, "nope") + " (no such directory)"}},
		{"not a dir", hermetic(map[string]string{"HADOOP_CONF_DIR": file}),
			[]string{"not a directory"}},
		{"dir without site files", hermetic(map[string]string{"HADOOP_CONF_DIR": emptyDir}),
			[]string{emptyDir + " has none of core-site.xml"}},
		{"LoadDirs with nothing", Options{Dirs: []string{}}, []string{"no directories were given"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.opts)
			if err == nil {
				t.Fatalf("Load succeeded with dirs %q", c.Dirs())
			}
			if !errors.Is(err, ErrNoConfig) {
				t.Fatalf("err = %v, want ErrNoConfig", err)
			}
			var nce *NoConfigError
			if !errors.As(err, &nce) || len(nce.Checked) == 0 {
				t.Fatalf("err = %#v, want *NoConfigError with Checked", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadDirsEarlierWins(t *testing.T) {
	yarnDir := fixture(t, "precedence", "yarn")
	hadoopDir := fixture(t, "precedence", "hadoop")
	c, err := LoadDirs(hadoopDir, yarnDir)
	if err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, "test.core.origin", "hadoop-dir")
	wantGet(t, c, "test.yarn.origin", "hadoop-dir")
	wantStrings(t, "Dirs()", c.Dirs(), []string{hadoopDir, yarnDir})
}

func TestFinalRespected(t *testing.T) {
	c, err := Load(Options{Dirs: []string{fixture(t, "final")}, User: "alice", LookupEnv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, "test.final", "core")                        // final in core-site
	wantGet(t, c, "test.plain", "yarn")                        // ordinary override order
	wantGet(t, c, "yarn.resourcemanager.am.max-attempts", "7") // final beats yarn-default and yarn-site
	wantGet(t, c, "yarn.scheduler.minimum-allocation-mb", "1024")
	wantGet(t, c, "hadoop.security.authentication", "simple") // final without value froze the default
	wantGet(t, c, "test.attr", "from-attributes")             // attribute form, final
	if !c.IsFinal("test.final") || c.IsFinal("test.plain") {
		t.Errorf("IsFinal: test.final=%v test.plain=%v", c.IsFinal("test.final"), c.IsFinal("test.plain"))
	}
	if got := c.Source("yarn.scheduler.minimum-allocation-mb"); got != sourceYarnDefault {
		t.Errorf("Source = %q, want %q", got, sourceYarnDefault)
	}
	// Set (command-line override) wins even over final, as Hadoop's set does.
	c.Set("test.final", "override")
	wantGet(t, c, "test.final", "override")
	// A later file still cannot override a final key.
	extra := writeFiles(t, map[string]string{"x.xml": siteXML(`<property><name>test.final</name><value>file</value></property>`)})
	if err := c.AddFile(filepath.Join(extra, "x.xml")); err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, "test.final", "override")
}

func TestPropertyForms(t *testing.T) {
	dir := writeFiles(t, map[string]string{CoreSite: `<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>
<!-- comment -->
<configuration>
  <property>
    <description>ignored</description>
    <name>
       spaced.name
    </name>
    <value>  keep spaces  </value>
    <source>whatever</source>
  </property>
  <property><name>cdata</name><value><![CDATA[a<b&c]]></value></property>
  <property><name>entity</name><value>a&amp;b&lt;c</value></property>
  <property><name>empty</name><value></value></property>
  <property><name>selfclosed</name><value/></property>
  <property><name>novalue</name></property>
  <property><value>no name</value></property>
  <unknown><property><name>nested.in.unknown</name><value>x</value></property></unknown>
  <property><name>multi</name><value>line1
line2</value></property>
</configuration>
`})
	c, err := Load(Options{Dirs: []string{dir}, User: "u", LookupEnv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, "spaced.name", "  keep spaces  ")
	wantGet(t, c, "cdata", "a<b&c")
	wantGet(t, c, "entity", "a&b<c")
	wantGet(t, c, "multi", "line1\nline2")
	for _, k := range []string{"empty", "selfclosed"} {
		if v, ok := c.Lookup(k); !ok || v != "" {
			t.Errorf("Lookup(%q) = %q, %v; want empty and set", k, v, ok)
		}
	}
	for _, k := range []string{"novalue", "nested.in.unknown", ""} {
		if _, ok := c.Lookup(k); ok {
			t.Errorf("Lookup(%q) reports set", k)
		}
	}
}

func TestLatin1Encoding(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<configuration><property><name>k</name><value>caf\xe9</value></property></configuration>"
	dir := writeFiles(t, map[string]string{CoreSite: doc})
	c, err := LoadDirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, "k", "café")
}

func TestInclude(t *testing.T) {
	dir := fixture(t, "include")
	c, err := Load(Options{Dirs: []string{dir}, User: "u", LookupEnv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, "test.before", "core-site")
	wantGet(t, c, "test.included", "extra")
	wantGet(t, c, "test.overridden.by.include", "extra")
	wantGet(t, c, "test.fallback", "used")
	wantGet(t, c, "test.after", "core-site")
	wantStrings(t, "Files()", c.Files(), []string{
		filepath.Join(dir, CoreSite),
		filepath.Join(dir, "parts", "extra.xml"),
	})
	if got, want := c.Source("test.included"), filepath.Join(dir, "parts", "extra.xml"); got != want {
		t.Errorf("Source = %q, want %q", got, want)
	}
}

func TestIncludeErrors(t *testing.T) {
	const xi = `xmlns:xi="http://www.w3.org/2001/XInclude"`
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing without fallback", map[string]string{
			CoreSite: "<configuration " + xi + ">\n<xi:include href=\"nope.xml\"/>\n</configuration>",
		}, "line 2: xi:include \"nope.xml\" (no xi:fallback)"},
		{"cycle", map[string]string{
			CoreSite: "<configuration " + xi + "><xi:include href=\"a.xml\"/></configuration>",
			"a.xml":  "<configuration " + xi + "><xi:include href=\"core-site.xml\"/></configuration>",
		}, "include cycle"},
		{"remote", map[string]string{
			CoreSite: "<configuration " + xi + "><xi:include href=\"http://example.com/x.xml\"/></configuration>",
		}, "only local files"},
		{"no href", map[string]string{
			CoreSite: "<configuration " + xi + "><xi:include/></configuration>",
		}, "without an href"},
		{"malformed included file", map[string]string{
			CoreSite:  "<configuration " + xi + "><xi:include href=\"bad.xml\"/></configuration>",
			"bad.xml": "<configuration>\n<property>\n</configuration>",
		}, "bad.xml: line 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			_, err := LoadDirs(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestIncludeUndeclaredPrefixAndFileURL(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"inc.xml": siteXML(`<property><name>inc</name><value>yes</value></property>`),
	}
	files[CoreSite] = `<configuration><xi:include href="file://` + filepath.Join(dir, "inc.xml") + `"/></configuration>`
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadDirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	wantGet(t, c, "inc", "yes")
}

func TestMalformedFileNamesFileAndLine(t *testing.T) {
	dir := fixture(t, "malformed")
	path := filepath.Join(dir, YarnSite)
	_, err := LoadDirs(dir)
	if err == nil {
		t.Fatal("Load succeeded on a malformed file")
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %#v, want *ParseError", err)
	}
	if pe.File != path || pe.Line != 9 {
		t.Errorf("ParseError{File: %q, Line: %d}, want %q line 9", pe.File, pe.Line, path)
	}
	msg := err.Error()
	if !strings.Contains(msg, path) || !strings.Contains(msg, "line 9") {
		t.Errorf("error %q does not name the file and line 9", msg)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		line int
		want string
	}{
		{"empty", "", 1, "no <configuration> element"},
		{"only prolog", "<?xml version=\"1.0\"?>\n<!-- x -->\n", 3, "no <configuration> element"},
		{"wrong root", "<?xml version=\"1.0\"?>\n\n<properties/>", 3, "root element is <properties>"},
		{"unclosed", "<configuration>\n<property>\n<name>a</name>\n", 4, "unexpected EOF"},
		{"bad entity", "<configuration>\n<property><name>a&b</name></property>\n</configuration>", 2, "XML syntax error"},
		{"second root", "<configuration/>\n\n<configuration/>", 3, "after </configuration>"},
		{"text after root", "<configuration/>\njunk", 2, "text after"},
		{"text before root", "junk<configuration/>", 1, "text before"},
		{"unknown encoding", "<?xml version=\"1.0\" encoding=\"EBCDIC\"?><configuration/>", 1, "unsupported encoding"},
		{"not xml", "\x00\x01\x02", 1, "XML syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseXML("/x/core-site.xml", []byte(tt.doc))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if pe.Line != tt.line || pe.File != "/x/core-site.xml" {
				t.Errorf("File %q line %d, want line %d (%v)", pe.File, pe.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "/x/core-site.xml") {
				t.Errorf("error %q does not contain %q and the file", err, tt.want)
			}
		})
	}
}

func TestAddFileErrorLeavesConfUnchanged(t *testing.T) {
	c := NewDefault(hermetic(nil))
	dir := writeFiles(t, map[string]string{"bad.xml": "<configuration><property><name>a</name><value>1</value></property>\n<oops>"})
	if err := c.AddFile(filepath.Join(dir, "bad.xml")); err == nil {
		t.Fatal("AddFile succeeded")
	}
	if _, ok := c.Lookup("a"); ok || len(c.Files()) != 0 {
		t.Errorf("failed AddFile changed the configuration")
	}
	if err := c.AddFile(filepath.Join(dir, "missing.xml")); err == nil || !strings.Contains(err.Error(), "missing.xml") {
		t.Errorf("AddFile(missing) = %v, want error naming the file", err)
	}
}

// testClusterConfDir is the 3.2.2 configuration of the single-node test cluster
// (YTC_HOME, default /opt/yarn-testcluster, as its README documents).
func testClusterConfDir() string {
	home := os.Getenv("YTC_HOME")
	if home == "" {
		home = "/opt/yarn-testcluster"
	}
	return filepath.Join(home, "conf")
}

func TestRealTestClusterConfig(t *testing.T) {
	dir := testClusterConfDir()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no test cluster configuration: %v", err)
	}
	base := 18000 // the test cluster's YTC_PORT_BASE
	if v, err := strconv.Atoi(os.Getenv("YTC_PORT_BASE")); err == nil {
		base = v
	}
	at := func(off int) string { return "127.0.0.1:" + strconv.Itoa(base+off) }
	c, err := Load(Options{Dirs: []string{dir}, User: "alice", LookupEnv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	rm, err := c.RMAddresses()
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "RMAddresses()", rm, []string{at(32)})
	sched, err := c.SchedulerAddresses()
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "SchedulerAddresses()", sched, []string{at(30)})
	web, err := c.RMWebAddresses()
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "RMWebAddresses()", web, []string{at(88)})
	// The test cluster has HDFS on its NameNode's RPC port (YTC_PORT_BASE+20).
	fs, err := c.DefaultFS()
	if err != nil || fs.String() != "hdfs://"+at(20) {
		t.Errorf("DefaultFS() = %v, %v; want hdfs://%s", fs, err, at(20))
	}
	if nn := c.NameNodeAddresses(fs.Host); len(nn) != 1 || nn[0] != at(20) {
		t.Errorf("NameNodeAddresses(%q) = %q", fs.Host, nn)
	}
}
