package client

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spindle-yarn/spindle/hadoopconf"
)

// DefaultPropertiesFile is the name of the properties file looked for beside the
// Hadoop configuration (in YARN_CONF_DIR, then HADOOP_CONF_DIR) and in SPINDLE_CONF_DIR.
const DefaultPropertiesFile = "spindle-defaults.conf"

// ReadProperties parses a properties file in spark-defaults.conf form: one
// "key value" or "key=value" per line, blank lines and lines starting with # or ! ignored.
func ReadProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read properties file: %w", err)
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "= \t")
		if i <= 0 {
			return nil, fmt.Errorf("%s:%d: %q is not \"key value\" or \"key=value\"", path, n, line)
		}
		key, val := line[:i], strings.TrimSpace(line[i+1:])
		if line[i] != '=' {
			val = strings.TrimSpace(strings.TrimPrefix(val, "="))
		}
		props[key] = val
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read properties file %s: %w", path, err)
	}
	return props, nil
}

// FindPropertiesFile returns the default properties file for the given configuration
// directories (searched in order), or "" when none exists.
func FindPropertiesFile(dirs ...string) string {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, DefaultPropertiesFile)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// Merge layers option maps, later ones winning: Merge(propertiesFile, confFlags, explicitFlags).
func Merge(layers ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, l := range layers {
		for k, v := range l {
			out[k] = v
		}
	}
	return out
}

// ParseConfFlag splits a --conf argument "key=value".
func ParseConfFlag(s string) (string, string, error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return "", "", fmt.Errorf("--conf %q: want key=value", s)
	}
	return k, v, nil
}

// SplitCommand splits a command line into words the way a POSIX shell would for
// plain words, single quotes, double quotes and backslash escapes (no expansion).
func SplitCommand(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// Layers are the sources of a submission's options, lowest precedence first
// after the built-in defaults.
type Layers struct {
	// PropertiesFile is the properties file; "" looks for DefaultPropertiesFile
	// in SPINDLE_CONF_DIR, YARN_CONF_DIR and HADOOP_CONF_DIR.
	PropertiesFile string
	// Conf are the --conf key=value pairs.
	Conf map[string]string
	// Flags are the keys of the flags given explicitly.
	Flags map[string]string
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// Warn, when set, receives a line for each spark-submit key translated to
	// its spindle key and each unknown key (see TranslateKeys).
	Warn func(string)
}

// Resolve merges the layers into Options for APP and its arguments (see
// ResolveOptions), with the master defaulting to yarn when HADOOP_CONF_DIR or
// YARN_CONF_DIR is set and to local[*] otherwise, and for YARN loads the Hadoop
// configuration with the spindle.hadoop.* overrides applied (nil for local mode).
func Resolve(l Layers, app string, args []string) (*Options, *hadoopconf.Conf, error) {
	getenv := l.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	props := map[string]string{}
	pf := l.PropertiesFile
	if pf == "" {
		pf = FindPropertiesFile(getenv("SPINDLE_CONF_DIR"), getenv("YARN_CONF_DIR"), getenv("HADOOP_CONF_DIR"))
	}
	if pf != "" {
		var err error
		if props, err = ReadProperties(pf); err != nil {
			return nil, nil, err
		}
	}
	props = translateLayer(props, "properties file "+pf+":", l.Warn)
	merged := Merge(props, translateLayer(l.Conf, "--conf", l.Warn), l.Flags)
	if merged[KeyMaster] == "" {
		merged[KeyMaster] = "local[*]"
		if getenv("HADOOP_CONF_DIR") != "" || getenv("YARN_CONF_DIR") != "" {
			merged[KeyMaster] = "yarn"
		}
	}
	opts, err := ResolveOptions(merged, app, args)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case IsLocalMaster(opts.Master):
		return opts, nil, nil
	case opts.Master != "yarn":
		return nil, nil, fmt.Errorf("--master %q: use yarn, local, local[N] or local[*]", opts.Master)
	}
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		return nil, nil, err
	}
	for k, v := range opts.Hadoop {
		conf.Set(k, v)
	}
	return opts, conf, nil
}

func translateLayer(layer map[string]string, source string, warn func(string)) map[string]string {
	out, msgs := TranslateKeys(layer, source)
	if warn != nil {
		for _, m := range msgs {
			warn(m)
		}
	}
	return out
}
