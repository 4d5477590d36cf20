package hadoopconf

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// The site files Load reads. They are layered over the built-in defaults in
// Hadoop's order: core-default, core-site.xml, hdfs-site.xml, yarn-default,
// yarn-site.xml.
const (
	CoreSite = "core-site.xml"
	HDFSSite = "hdfs-site.xml"
	YarnSite = "yarn-site.xml"
)

// ErrNoConfig is matched (errors.Is) by the error Load returns when no
// configuration directory, or no site file in them, was found.
var ErrNoConfig = errors.New("hadoopconf: no Hadoop configuration found")

// NoConfigError is the detailed form of ErrNoConfig: what was looked at and why
// it was not usable.
type NoConfigError struct {
	// Checked describes each place considered, e.g.
	// "YARN_CONF_DIR=/etc/yarn (no such directory)" or "HADOOP_CONF_DIR is not set".
	Checked []string
}

// Error explains what was checked and how to fix it.
func (e *NoConfigError) Error() string {
	return fmt.Sprintf("%v (%s): set HADOOP_CONF_DIR (or YARN_CONF_DIR) to the directory "+
		"holding core-site.xml and yarn-site.xml, e.g. export HADOOP_CONF_DIR=/etc/hadoop/conf",
		ErrNoConfig, strings.Join(e.Checked, "; "))
}

// Is makes errors.Is(err, ErrNoConfig) true.
func (e *NoConfigError) Is(target error) bool { return target == ErrNoConfig }

// LoadEnvironment loads the configuration the way Hadoop's scripts locate it,
// from the real process environment: see Load.
func LoadEnvironment() (*Conf, error) {
	return Load(Options{})
}

// LoadDirs loads the site files from dirs, earlier directories winning per
// file, resolving ${env.*} and ${user.*} from the real process environment.
func LoadDirs(dirs ...string) (*Conf, error) {
	if dirs == nil {
		dirs = []string{}
	}
	return Load(Options{Dirs: dirs})
}

// Load reads core-site.xml, hdfs-site.xml and yarn-site.xml over the built-in
// defaults, in Hadoop's order: core-default < core-site < hdfs-site <
// yarn-default < yarn-site; a property marked final in an earlier resource is
// not overridden by later ones.
//
// Directories come from opts.Dirs if non-nil; otherwise YARN_CONF_DIR then
// HADOOP_CONF_DIR (for a file in both, YARN_CONF_DIR's copy is used), and
// only when neither is set, $HADOOP_HOME/etc/hadoop. Directories that do not
// exist are skipped. If none exists, or none holds any of the three site
// files, the error matches ErrNoConfig (and is a *NoConfigError). A malformed
// file yields a *ParseError naming the file and line.
func Load(opts Options) (*Conf, error) {
	c := newConf(opts)
	dirs, checked := resolveDirs(opts.Dirs, c.env)
	if len(dirs) == 0 {
		return nil, &NoConfigError{Checked: checked}
	}
	c.dirs = dirs

	found := 0
	steps := []struct {
		file     string
		defaults func() []kv
		source   string
	}{
		{defaults: coreDefaults, source: sourceCoreDefault},
		{file: CoreSite},
		{file: HDFSSite},
		{defaults: yarnDefaults, source: sourceYarnDefault},
		{file: YarnSite},
	}
	for _, s := range steps {
		if s.defaults != nil {
			c.applyDefaults(s.source, s.defaults())
			continue
		}
		path := findFile(dirs, s.file)
		if path == "" {
			continue
		}
		found++
		if err := c.AddFile(path); err != nil {
			return nil, err
		}
	}
	if found == 0 {
		for _, d := range dirs {
			checked = append(checked, fmt.Sprintf("%s has none of %s, %s, %s", d, CoreSite, HDFSSite, YarnSite))
		}
		return nil, &NoConfigError{Checked: checked}
	}
	return c, nil
}

// resolveDirs returns the existing configuration directories in priority
// order, and a description of every place considered.
func resolveDirs(explicit []string, env func(string) (string, bool)) (dirs, checked []string) {
	type candidate struct{ dir, origin string }
	var cands []candidate
	if explicit != nil {
		for _, d := range explicit {
			cands = append(cands, candidate{d, "directory " + d})
		}
		if len(explicit) == 0 {
			checked = append(checked, "no directories were given")
		}
	} else {
		yarn, _ := env("YARN_CONF_DIR")
		hadoop, _ := env("HADOOP_CONF_DIR")
		if yarn != "" {
			cands = append(cands, candidate{yarn, "YARN_CONF_DIR=" + yarn})
		} else {
			checked = append(checked, "YARN_CONF_DIR is not set")
		}
		if hadoop != "" {
			cands = append(cands, candidate{hadoop, "HADOOP_CONF_DIR=" + hadoop})
		} else {
			checked = append(checked, "HADOOP_CONF_DIR is not set")
		}
		if yarn == "" && hadoop == "" {
			if home, _ := env("HADOOP_HOME"); home != "" {
				d := filepath.Join(home, "etc", "hadoop")
				cands = append(cands, candidate{d, "HADOOP_HOME/etc/hadoop=" + d})
			} else {
				checked = append(checked, "HADOOP_HOME is not set")
			}
		}
	}
	seen := make(map[string]bool)
	for _, cand := range cands {
		d := filepath.Clean(cand.dir)
		fi, err := os.Stat(d)
		switch {
		case errors.Is(err, os.ErrNotExist):
			checked = append(checked, cand.origin+" (no such directory)")
			continue
		case err != nil:
			checked = append(checked, fmt.Sprintf("%s (%v)", cand.origin, err))
			continue
		case !fi.IsDir():
			checked = append(checked, cand.origin+" (not a directory)")
			continue
		}
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	return dirs, checked
}

// findFile returns the path of name in the first of dirs holding it as a
// regular file, or "".
func findFile(dirs []string, name string) string {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// sourcedProp is a property together with the file it came from.
type sourcedProp struct {
	p    *property
	file string
}

// AddFile loads one more configuration file on top of c, respecting final
// properties; relative xi:include hrefs are resolved against the file's
// directory. On error c is unchanged. The file (and any it includes) is
// appended to Files.
func (c *Conf) AddFile(path string) error {
	var props []sourcedProp
	var files []string
	if err := readResource(path, nil, &props, &files); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, sp := range props {
		c.applyLocked(sp.file, sp.p)
	}
	c.files = append(c.files, files...)
	return nil
}

// readResource parses path and appends its properties, with includes
// expanded in place, to props. stack holds the files currently being read,
// to reject include cycles.
func readResource(path string, stack []string, props *[]sourcedProp, files *[]string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("hadoopconf: reading configuration file: %w", err)
	}
	items, err := parseXML(path, data)
	if err != nil {
		return err
	}
	*files = append(*files, path)
	return addItems(path, items, append(stack, path), props, files)
}

// addItems appends items read from file to props, resolving includes.
func addItems(file string, items []item, stack []string, props *[]sourcedProp, files *[]string) error {
	for _, it := range items {
		if it.prop != nil {
			*props = append(*props, sourcedProp{it.prop, file})
			continue
		}
		inc := it.inc
		target, err := includeTarget(file, inc)
		if err == nil {
			for _, s := range stack {
				if s == target {
					return &ParseError{File: file, Line: inc.line, Err: fmt.Errorf("xi:include %q: include cycle", inc.href)}
				}
			}
			if len(stack) >= maxIncludeNesting {
				return &ParseError{File: file, Line: inc.line, Err: fmt.Errorf("xi:include %q: includes nested too deeply", inc.href)}
			}
			if _, serr := os.Stat(target); serr != nil {
				err = serr
			}
		}
		if err != nil {
			if inc.hasFallback {
				if ferr := addItems(file, inc.fallback, stack, props, files); ferr != nil {
					return ferr
				}
				continue
			}
			return &ParseError{File: file, Line: inc.line, Err: fmt.Errorf("xi:include %q (no xi:fallback): %w", inc.href, err)}
		}
		if err := readResource(target, stack, props, files); err != nil {
			return err
		}
	}
	return nil
}

// includeTarget returns the local path an xi:include refers to: a plain path
// relative to the including file's directory, an absolute path, or a file: URL.
func includeTarget(from string, inc *include) (string, error) {
	if inc.parse != "" && inc.parse != "xml" {
		return "", fmt.Errorf("parse=%q is not supported", inc.parse)
	}
	href := inc.href
	if strings.Contains(href, "#") {
		return "", errors.New("xpointer fragments are not supported")
	}
	if strings.HasPrefix(href, "file:") {
		u, err := url.Parse(href)
		if err != nil || (u.Host != "" && u.Host != "localhost") {
			return "", fmt.Errorf("unsupported file URL %q", href)
		}
		href = u.Path
		if href == "" {
			href = u.Opaque
		}
	} else if strings.Contains(href, "://") {
		return "", errors.New("only local files can be included")
	}
	if href == "" {
		return "", errors.New("empty href")
	}
	if !filepath.IsAbs(href) {
		href = filepath.Join(filepath.Dir(from), href)
	}
	return filepath.Clean(href), nil
}

// applyLocked applies one loaded property, Hadoop style: a property without
// a value changes nothing but may mark the key final; a key already final is
// not overridden. c.mu must be held for writing.
func (c *Conf) applyLocked(source string, p *property) {
	if p.name == "" {
		return
	}
	if p.hasValue && !c.finals[p.name] {
		c.seq++
		c.props[p.name] = entry{value: p.value, source: source, seq: c.seq}
	}
	if p.final {
		c.finals[p.name] = true
	}
}

// applyDefaults applies a built-in defaults resource.
func (c *Conf) applyDefaults(source string, defs []kv) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range defs {
		c.applyLocked(source, &property{name: d.key, value: d.value, hasValue: true})
	}
}
