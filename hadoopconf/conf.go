// Package hadoopconf loads Hadoop configuration (core-site.xml, hdfs-site.xml,
// yarn-site.xml) the way Hadoop's Configuration class does: built-in defaults,
// site files layered in Hadoop's order, <final> properties, ${var} expansion,
// and the typed look-ups Spindle needs to find the ResourceManager and NameNodes.
//
// A Conf is safe for concurrent use.
package hadoopconf

import (
	"fmt"
	"os"
	"os/user"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SourceProgrammatic is what Source reports for a key last changed by Set.
const SourceProgrammatic = "programmatic"

// Options controls where Load looks for configuration and how ${var}
// references to the environment and the user are resolved. The zero value
// means "use the real process environment and OS user".
type Options struct {
	// Dirs, if non-nil, lists configuration directories in priority order
	// (for a file present in several, the earlier directory's copy is used)
	// instead of consulting YARN_CONF_DIR, HADOOP_CONF_DIR and HADOOP_HOME.
	Dirs []string

	// LookupEnv reads environment variables: for locating the configuration
	// directories, HADOOP_USER_NAME, HOME, and ${env.NAME} references.
	// Nil means os.LookupEnv.
	LookupEnv func(key string) (string, bool)

	// User is the value of ${user.name} and of Conf.User. Empty means
	// HADOOP_USER_NAME (through LookupEnv) if set, else the OS user.
	User string

	// HomeDir is the value of ${user.home}. Empty means HOME (through
	// LookupEnv) if set, else the OS user's home directory.
	HomeDir string
}

// entry is one property's current value and the resource that set it.
type entry struct {
	value  string
	source string
	seq    uint64 // order of the write; larger is more recent
}

// Conf is a loaded Hadoop configuration. Create one with Load,
// LoadEnvironment, LoadDirs or NewDefault.
type Conf struct {
	mu     sync.RWMutex
	props  map[string]entry
	finals map[string]bool // keys marked <final>true</final> by a loaded resource
	seq    uint64

	env  func(string) (string, bool)
	user string
	home string

	dirs  []string
	files []string
}

// NewDefault returns a Conf holding only the built-in core-default and
// yarn-default values (no site files are read; opts.Dirs is ignored).
// It is useful where no configuration directory exists, e.g. in tests.
func NewDefault(opts Options) *Conf {
	c := newConf(opts)
	c.applyDefaults(sourceCoreDefault, coreDefaults())
	c.applyDefaults(sourceYarnDefault, yarnDefaults())
	return c
}

// newConf returns an empty Conf with the environment and user resolved from opts.
func newConf(opts Options) *Conf {
	env := opts.LookupEnv
	if env == nil {
		env = os.LookupEnv
	}
	c := &Conf{
		props:  make(map[string]entry),
		finals: make(map[string]bool),
		env:    env,
		user:   opts.User,
		home:   opts.HomeDir,
	}
	if c.user == "" {
		if v, ok := env("HADOOP_USER_NAME"); ok && v != "" {
			c.user = v
		} else if u, err := user.Current(); err == nil && u.Username != "" {
			c.user = u.Username
		} else if v, ok := env("USER"); ok {
			c.user = v
		}
	}
	if c.home == "" {
		if v, ok := env("HOME"); ok && v != "" {
			c.home = v
		} else if u, err := user.Current(); err == nil {
			c.home = u.HomeDir
		}
	}
	return c
}

// User returns the effective Hadoop user name: Options.User, else
// HADOOP_USER_NAME, else the OS user. It is also the value of ${user.name}
// and the user to present with SIMPLE authentication.
func (c *Conf) User() string {
	return c.user
}

// Dirs returns the configuration directories that exist and were consulted,
// in priority order (earlier wins per file). The client ships these to
// containers.
func (c *Conf) Dirs() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]string(nil), c.dirs...)
}

// Files returns the configuration files that were read, in load order,
// including files pulled in by xi:include and by AddFile.
func (c *Conf) Files() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]string(nil), c.files...)
}

// Get returns the value of key with ${var} references expanded (see the
// package's expansion rules in Expand), or "" if key is unset. Like Hadoop's
// get, the value is not trimmed.
func (c *Conf) Get(key string) string {
	v, _ := c.Lookup(key)
	return v
}

// Lookup is Get that also reports whether key is set at all.
func (c *Conf) Lookup(key string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.props[key]
	if !ok {
		return "", false
	}
	return c.expandLocked(key, e.value), true
}

// GetRaw returns the value of key exactly as loaded or set, without ${var}
// expansion, or "" if unset.
func (c *Conf) GetRaw(key string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.props[key].value
}

// Source returns the resource that last set key: a file path, a built-in
// defaults name such as "yarn-default.xml (built-in)", or SourceProgrammatic;
// "" if key is unset.
func (c *Conf) Source(key string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.props[key].source
}

// IsFinal reports whether a loaded resource marked key final, so that later
// resources cannot override it (Set still can).
func (c *Conf) IsFinal(key string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.finals[key]
}

// Set sets key to value (unexpanded; references are expanded by Get). Like
// Hadoop's Configuration.set it overrides any earlier value, final or not;
// it is meant for command-line overrides.
func (c *Conf) Set(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	c.props[key] = entry{value: value, source: SourceProgrammatic, seq: c.seq}
}

// Unset removes key, so that Get returns "" and Lookup reports false.
func (c *Conf) Unset(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.props, key)
}

// Keys returns all set keys, sorted.
func (c *Conf) Keys() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	keys := make([]string, 0, len(c.props))
	for k := range c.props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Clone returns an independent copy of c; changes to either do not affect
// the other.
func (c *Conf) Clone() *Conf {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := &Conf{
		props:  make(map[string]entry, len(c.props)),
		finals: make(map[string]bool, len(c.finals)),
		seq:    c.seq,
		env:    c.env,
		user:   c.user,
		home:   c.home,
		dirs:   append([]string(nil), c.dirs...),
		files:  append([]string(nil), c.files...),
	}
	for k, v := range c.props {
		n.props[k] = v
	}
	for k, v := range c.finals {
		n.finals[k] = v
	}
	return n
}

// trimmed returns the expanded, trimmed value of key and whether it is set
// to something non-blank.
func (c *Conf) trimmed(key string) (string, bool) {
	v, ok := c.Lookup(key)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// GetInt returns key's expanded, trimmed value as an int (decimal, or hex
// with a 0x prefix as Hadoop allows), def if key is unset or blank, and an
// error naming the key if the value is not an integer.
func (c *Conf) GetInt(key string, def int) (int, error) {
	n, err := c.getInt(key, int64(def), strconv.IntSize)
	return int(n), err
}

// GetInt64 is GetInt for 64-bit values.
func (c *Conf) GetInt64(key string, def int64) (int64, error) {
	return c.getInt(key, def, 64)
}

func (c *Conf) getInt(key string, def int64, bits int) (int64, error) {
	v, ok := c.trimmed(key)
	if !ok {
		return def, nil
	}
	s, neg := v, false
	if strings.HasPrefix(s, "-") {
		s, neg = s[1:], true
	}
	base := 10
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		s, base = s[2:], 16
	}
	if neg {
		s = "-" + s
	}
	n, err := strconv.ParseInt(s, base, bits)
	if err != nil {
		return def, fmt.Errorf("hadoopconf: %s=%q is not an integer", key, v)
	}
	return n, nil
}

// GetBool returns key's value as a bool ("true" or "false", any case,
// surrounding space ignored), def if unset or blank, and an error naming the
// key otherwise.
func (c *Conf) GetBool(key string, def bool) (bool, error) {
	v, ok := c.trimmed(key)
	if !ok {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return def, fmt.Errorf("hadoopconf: %s=%q is not true or false", key, v)
}

// GetDuration returns key's value as a duration the way Hadoop's
// getTimeDuration reads it: an integer with an optional suffix ns, us, ms, s,
// m, h or d (any case); without a suffix the number is in unit (e.g.
// time.Millisecond for "...-ms" keys). It returns def if key is unset or
// blank and an error naming the key if the value is malformed or overflows.
func (c *Conf) GetDuration(key string, unit, def time.Duration) (time.Duration, error) {
	v, ok := c.trimmed(key)
	if !ok {
		return def, nil
	}
	// Hadoop's suffixes, in this order so that "ms" is not taken for "s".
	units := [...]struct {
		suffix string
		unit   time.Duration
	}{
		{"ns", time.Nanosecond},
		{"us", time.Microsecond},
		{"ms", time.Millisecond},
		{"s", time.Second},
		{"m", time.Minute},
		{"h", time.Hour},
		{"d", 24 * time.Hour},
	}
	num := strings.ToLower(v)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, unit = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.unit
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || unit <= 0 {
		return def, fmt.Errorf("hadoopconf: %s=%q is not a duration (integer with optional ns, us, ms, s, m, h or d suffix)", key, v)
	}
	d := time.Duration(n) * unit
	if n != 0 && d/unit != time.Duration(n) {
		return def, fmt.Errorf("hadoopconf: %s=%q overflows a duration", key, v)
	}
	return d, nil
}

// GetStrings returns key's expanded value split on commas, each element
// trimmed, empty elements dropped (Hadoop's getTrimmedStringCollection);
// nil if unset or blank.
func (c *Conf) GetStrings(key string) []string {
	v, ok := c.trimmed(key)
	if !ok {
		return nil
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
