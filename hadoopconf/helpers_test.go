package hadoopconf

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fixtures is the repository's shared configuration fixture directory.
const fixtures = "../testdata/conf"

// fixture returns the absolute path of a fixture directory or file.
func fixture(t *testing.T, elem ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{fixtures}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// envOf returns a LookupEnv over m only, so tests never see the real environment.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// hermetic returns Options with a fixed user and home and the given environment.
func hermetic(env map[string]string) Options {
	return Options{LookupEnv: envOf(env), User: "alice", HomeDir: "/home/alice"}
}

// writeFiles creates files (name -> content) under a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// siteXML wraps property elements in a configuration document.
func siteXML(props string) string {
	return "<?xml version=\"1.0\"?>\n<configuration>\n" + props + "\n</configuration>\n"
}

func wantGet(t *testing.T, c *Conf, key, want string) {
	t.Helper()
	if got := c.Get(key); got != want {
		t.Errorf("Get(%q) = %q, want %q", key, got, want)
	}
}

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}
