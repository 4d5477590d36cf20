package hadoopconf

import "strings"

// Expansion limits. Hadoop stops after 20 substitutions and throws; we allow
// references nested 20 deep and leave anything beyond the limits unexpanded.
const (
	maxSubstDepth   = 20      // nesting of references within references
	maxSubstitution = 10000   // references resolved per Get
	maxExpandedLen  = 1 << 18 // bytes; past this no more references are resolved
)

// Expand expands ${var} references in s as Get does for values:
//
//   - ${env.NAME} is the environment variable NAME; ${env.NAME:-def} uses def
//     when NAME is unset or empty, ${env.NAME-def} when it is unset.
//   - ${user.name} is Conf.User, ${user.home} the user's home directory and
//     ${java.io.tmpdir} is /tmp; like Java system properties in Hadoop, these
//     take precedence over configuration keys of the same name.
//   - otherwise ${key} is the value of another configuration key.
//
// Substituted values are expanded in turn, up to 20 levels deep. A reference
// that is unset, cyclic (directly or through other keys) or beyond the limits
// is left as written, so expansion always terminates.
func (c *Conf) Expand(s string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.expandLocked("", s)
}

// expandLocked expands the value s of key (key may be "" for free text).
// c.mu must be held.
func (c *Conf) expandLocked(key, s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	e := expander{c: c}
	if key != "" {
		e.stack = append(e.stack, key)
	}
	out, _ := e.expand(s, 0)
	return out
}

// expander holds the state of one expansion.
type expander struct {
	c        *Conf
	stack    []string // keys being expanded, outermost first, to detect cycles
	resolved int      // references resolved so far
	overflow bool     // output grew past maxExpandedLen: stop resolving
}

// expand replaces the references in s. cyclic reports whether some
// reference in s led back to a key being expanded; such references are left
// as written.
//
// A reference is "${" up to its matching "}"; references inside it are
// expanded first, so "${env.X:-${y}}" and "${prefix.${suffix}}" work as they
// do in Hadoop. The resulting name must be non-empty and free of '$', '}'
// and ' ', else the reference is kept as text.
func (e *expander) expand(s string, depth int) (out string, cyclic bool) {
	if !strings.Contains(s, "${") {
		return s, false
	}
	closeAt := matchRefs(s)
	var b strings.Builder
	pos := 0
	for pos < len(s) {
		i := strings.Index(s[pos:], "${")
		if i < 0 {
			b.WriteString(s[pos:])
			break
		}
		i += pos
		b.WriteString(s[pos:i])
		end, ok := closeAt[i]
		if !ok {
			// Unterminated: keep "${" and look for references after it.
			b.WriteString("${")
			pos = i + 2
			continue
		}
		pos = end + 1
		name := s[i+2 : end]
		if strings.Contains(name, "${") {
			if depth >= maxSubstDepth || e.overflow {
				b.WriteString(s[i:pos])
				continue
			}
			var cyc bool
			name, cyc = e.expand(name, depth+1)
			cyclic = cyclic || cyc
		}
		v, ok := "", false
		if name != "" && !strings.ContainsAny(name, "$} ") {
			var cyc bool
			v, ok, cyc = e.resolve(name, depth)
			cyclic = cyclic || cyc
		}
		if ok {
			b.WriteString(v)
		} else {
			b.WriteString("${" + name + "}")
		}
		if b.Len() > maxExpandedLen {
			e.overflow = true
		}
	}
	return b.String(), cyclic
}

// matchRefs maps the index of each "${" in s to the index of the "}" that
// closes it; unterminated ones are absent.
func matchRefs(s string) map[int]int {
	m := make(map[int]int)
	var open []int
	for j := 0; j < len(s); j++ {
		switch {
		case s[j] == '$' && j+1 < len(s) && s[j+1] == '{':
			open = append(open, j)
			j++
		case s[j] == '}' && len(open) > 0:
			m[open[len(open)-1]] = j
			open = open[:len(open)-1]
		}
	}
	return m
}

// resolve returns the expanded value of the reference ${name}; ok is false
// if it must stay as written, and cyclic if that is because of a cycle.
func (e *expander) resolve(name string, depth int) (v string, ok, cyclic bool) {
	if depth >= maxSubstDepth || e.resolved >= maxSubstitution || e.overflow {
		return "", false, false
	}
	raw, found := e.lookup(name)
	if !found {
		return "", false, false
	}
	for _, k := range e.stack {
		if k == name {
			return "", false, true
		}
	}
	e.resolved++
	e.stack = append(e.stack, name)
	v, cyclic = e.expand(raw, depth+1)
	e.stack = e.stack[:len(e.stack)-1]
	if cyclic {
		// Like Hadoop, a reference whose expansion loops stays unexpanded.
		return "", false, true
	}
	return v, true, false
}

// lookup returns the raw value a reference name stands for.
func (e *expander) lookup(name string) (string, bool) {
	c := e.c
	if strings.HasPrefix(name, "env.") && len(name) > len("env.") {
		if v, ok := c.lookupEnvRef(name[len("env."):]); ok {
			return v, true
		}
	} else {
		sys := ""
		switch name {
		case "user.name":
			sys = c.user
		case "user.home":
			sys = c.home
		case "java.io.tmpdir":
			sys = "/tmp"
		}
		if sys != "" {
			return sys, true
		}
	}
	en, ok := c.props[name]
	return en.value, ok
}

// lookupEnvRef resolves the part of ${env.X} after "env.": NAME, NAME:-def
// or NAME-def.
func (c *Conf) lookupEnvRef(ref string) (string, bool) {
	for i := 0; i < len(ref); i++ {
		switch {
		case ref[i] == ':' && i+1 < len(ref) && ref[i+1] == '-':
			if v, ok := c.env(ref[:i]); ok && v != "" {
				return v, true
			}
			return ref[i+2:], true
		case ref[i] == '-':
			if v, ok := c.env(ref[:i]); ok {
				return v, true
			}
			return ref[i+1:], true
		}
	}
	return c.env(ref)
}
