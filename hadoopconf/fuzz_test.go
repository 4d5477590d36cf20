package hadoopconf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that the configuration parser never panics, that every
// failure is a *ParseError naming the file with a sane line number, and that
// whatever parses can be applied and expanded without trouble.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(fixtures, "*", "*.xml"))
	more, _ := filepath.Glob(filepath.Join(fixtures, "*", "*", "*.xml"))
	for _, p := range append(seeds, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"",
		"<configuration/>",
		`<configuration><property name="a" value="${a}${b}" final="true"/><property><name>b</name><value>${env.X:-${a}}</value></property></configuration>`,
		`<configuration xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="x"><xi:fallback><property><name>f</name><value>v</value></property></xi:fallback></xi:include></configuration>`,
		"<?xml version=\"1.0\" encoding=\"latin1\"?><configuration><property><name>k</name><value>\xe9</value></property></configuration>",
		"<configuration>\n<property>\n<name>a</name>\n<value>1</vaule>\n</property>\n</configuration>",
		"<configuration><property><name>a</name><value><![CDATA[${a}]]></value></property></configuration>",
	} {
		f.Add([]byte(s))
	}

	const name = "/fuzz/yarn-site.xml"
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := parseXML(name, data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, not *ParseError: %v", err, err)
			}
			if pe.File != name || !strings.Contains(err.Error(), name) {
				t.Fatalf("error does not name the file: %v", err)
			}
			if lines := 1 + strings.Count(string(data), "\n"); pe.Line < 0 || pe.Line > lines {
				t.Fatalf("line %d outside 0..%d: %v", pe.Line, lines, err)
			}
			return
		}
		c := NewDefault(Options{User: "fuzz", HomeDir: "/home/fuzz", LookupEnv: envOf(map[string]string{"X": "${a}"})})
		var apply func([]item, int)
		apply = func(items []item, depth int) {
			for _, it := range items {
				if it.prop != nil {
					c.mu.Lock()
					c.applyLocked(name, it.prop)
					c.mu.Unlock()
				} else if depth < maxIncludeNesting {
					apply(it.inc.fallback, depth+1)
				}
			}
		}
		apply(items, 0)
		for _, k := range c.Keys() {
			_ = c.Get(k)
		}
		_, _ = c.RMAddresses()
		_, _ = c.SchedulerAddresses()
		_, _ = c.RMWebAddresses()
		_, _ = c.DefaultFS()
		_ = c.NameNodeAddresses("")
	})
}
