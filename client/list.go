package client

import (
	"fmt"
	"strings"
	"unicode"
)

// SplitList splits a comma-separated list, as --files, --archives, --jars
// and --tags (and their --conf keys) take:
//
//   - items are separated by commas; unquoted spaces around an item are dropped,
//     and empty items are skipped;
//   - `\,`, `\"` and `\\` stand for a comma, a double quote and a backslash
//     (any other backslash is itself, so that Windows paths need no doubling);
//   - text in double quotes is taken as it is, commas and spaces included
//     (`\"` and `\\` still stand for `"` and `\` there);
//   - a quote that is never closed is an error.
//
// So a file named `a,b "c".txt` is given as `--files 'a\,b \"c\".txt'` or
// `--files '"a,b \"c\".txt"'` in a POSIX shell.
func SplitList(s string) ([]string, error) {
	type char struct {
		r   rune
		lit bool // quoted or escaped: kept even if it is a space
	}
	var out []string
	var cur []char
	flush := func() {
		i, j := 0, len(cur)
		for i < j && !cur[i].lit && unicode.IsSpace(cur[i].r) {
			i++
		}
		for j > i && !cur[j-1].lit && unicode.IsSpace(cur[j-1].r) {
			j--
		}
		var b strings.Builder
		for _, c := range cur[i:j] {
			b.WriteRune(c.r)
		}
		if b.Len() > 0 {
			out = append(out, b.String())
		}
		cur = cur[:0]
	}
	rs := []rune(s)
	inQuote := false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\' || rs[i+1] == ',' && !inQuote):
			i++
			cur = append(cur, char{rs[i], true})
		case r == '"':
			inQuote = !inQuote
		case r == ',' && !inQuote:
			flush()
		default:
			cur = append(cur, char{r, inQuote})
		}
	}
	if inQuote {
		return nil, fmt.Errorf("%q: a double quote is not closed (write \\\" for a quote that is part of a name)", s)
	}
	flush()
	return out, nil
}
