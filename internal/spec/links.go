package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Link is a file already present on every node (a local: URI of --files) that
// the AM and the executor launcher link into the container's working
// directory under Name, as YARN does for the files it localizes.
type Link struct {
	Path string `json:"path"`
	Name string `json:"name"`
}

// LinkNodeLocal creates links in dir.
func LinkNodeLocal(dir string, links []Link) error {
	for _, l := range links {
		if l.Name == "" || strings.ContainsRune(l.Name, '/') || l.Name == "." || l.Name == ".." {
			return fmt.Errorf("link node-local file %s: bad link name %q", l.Path, l.Name)
		}
		if _, err := os.Stat(l.Path); err != nil {
			return fmt.Errorf("node-local file %s (given as local:%s): %w", l.Path, l.Path, err)
		}
		if err := os.Symlink(l.Path, filepath.Join(dir, l.Name)); err != nil && !os.IsExist(err) {
			return fmt.Errorf("link node-local file %s: %w", l.Path, err)
		}
	}
	return nil
}

// yarnQuoted are the characters that keep their special meaning inside the
// double quotes in which YARN's launch script (launch_container.sh) writes
// link names and environment values: `ln -sf -- "SRC" "NAME"` and
// `export K="V"`, run by bash. A newline ends up inside them too.
const yarnQuoted = "$`\"\\\n\r\x00"

// CheckLinkName reports why YARN cannot create name as a link in a container's
// working directory, or nil. The error says how to fix it (#alias).
func CheckLinkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty link name: give one with #alias")
	case name == "." || name == "..":
		return fmt.Errorf("link name %q is not allowed: give another with #alias", name)
	case strings.ContainsRune(name, '/'):
		return fmt.Errorf("link name %q must not contain \"/\": give another with #alias", name)
	}
	if i := strings.IndexAny(name, yarnQuoted); i >= 0 {
		return fmt.Errorf("link name %q contains %q, which YARN's launch script (bash, inside double quotes) would not keep as it is: give the file another name with #alias, e.g. #%s",
			name, name[i:i+1], SafeName(name))
	}
	return nil
}

// ShellSafe reports whether s can be written between double quotes in YARN's
// launch script and reach the container unchanged.
func ShellSafe(s string) bool { return !strings.ContainsAny(s, yarnQuoted) }

// SafeName turns name into one made of letters, digits, '.', '_' and '-'
// only (each other byte becomes '_'), keeping its extension: the name under
// which a file is staged when its own name would not survive YARN's launch
// script or a URI.
func SafeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	s := string(b)
	if s == "" || s == "." || s == ".." {
		return "file"
	}
	return s
}
