package console

import (
	"strings"
)

// BriefError is err's message as the user sees it: the first line's chain
// of "operation: cause" segments without the packages' tags and without the
// segments that only repeat what an earlier one said (the RPC method and
// address named again by each layer, "kill X" then "killing X"). Further
// lines, such as a compiler's output, stay as they are.
func BriefError(err error) string {
	msg := err.Error()
	first, rest, multiline := strings.Cut(msg, "\n")
	segs := strings.Split(first, ": ")
	seen := map[string]bool{}
	var kept []string
	for i, s := range segs {
		if isPackageTag(s) && i < len(segs)-1 {
			continue
		}
		if i > 0 && i < len(segs)-1 && repeats(s, seen) {
			continue
		}
		for _, w := range strings.Fields(s) {
			seen[wordKey(w)] = true
			if dot := strings.LastIndexByte(w, '.'); dot > 0 && !strings.ContainsAny(w, ":/") {
				seen[wordKey(w[dot+1:])] = true // Protocol.method: the method
			}
		}
		kept = append(kept, s)
	}
	out := strings.Join(kept, ": ")
	if multiline {
		out += "\n" + rest
	}
	return out
}

// isPackageTag reports whether s is one of the "pkg: " prefixes Spindle's
// packages put on their errors, as the standard library does; a user needs
// none of them.
func isPackageTag(s string) bool {
	switch s {
	case "yarn", "ipc", "hadoopconf", "hdfs", "client", "spec", "am":
		return true
	}
	return false
}

// repeats reports whether every word of segment s was said before (or is a
// filler), at least one of them really said before.
func repeats(s string, seen map[string]bool) bool {
	words := strings.Fields(s)
	said := false
	for _, w := range words {
		k := wordKey(w)
		switch {
		case seen[k]:
			said = true
		case strings.Contains(w, ".") && !strings.ContainsAny(w, ":/") && seen[wordKey(w[strings.LastIndexByte(w, '.')+1:])]:
			said = true // Protocol.method after method
		case isFiller(k):
		default:
			return false
		}
	}
	return said
}

// wordKey folds case and the endings -ing and -ed, so that "killing" repeats "kill".
func wordKey(w string) string {
	w = strings.ToLower(strings.Trim(w, `"'()[],;`))
	for _, suffix := range []string{"ing", "ed"} {
		if len(w) > len(suffix)+2 && strings.HasSuffix(w, suffix) {
			return strings.TrimSuffix(w, suffix)
		}
	}
	return w
}

// isFiller reports whether word k says nothing once the rest of its segment
// has been said.
func isFiller(k string) bool {
	switch k {
	case "at", "to", "on", "of", "dial", "tcp", "tcp4", "tcp6", "read", "write":
		return true
	}
	return false
}
