package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvNodeLocalLinks lists files already present on every node (local: URIs of
// --files) as comma-separated "path#name" pairs. The AM and the executor launcher
// link each into the container's working directory under its name, as YARN does for
// localized files.
const EnvNodeLocalLinks = "SPINDLE_NODE_LOCAL_FILES"

// LinkNodeLocal creates the links EnvNodeLocalLinks describes in dir.
func LinkNodeLocal(dir, list string) error {
	for _, item := range strings.Split(list, ",") {
		if item == "" {
			continue
		}
		path, name, ok := strings.Cut(item, "#")
		if !ok || name == "" {
			name = filepath.Base(path)
		}
		if strings.ContainsRune(name, '/') || name == "." || name == ".." {
			return fmt.Errorf("link node-local file %s: bad link name %q", path, name)
		}
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("node-local file %s (given as local:%s): %w", path, path, err)
		}
		if err := os.Symlink(path, filepath.Join(dir, name)); err != nil && !os.IsExist(err) {
			return fmt.Errorf("link node-local file %s: %w", path, err)
		}
	}
	return nil
}
