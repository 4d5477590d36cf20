package console

import (
	"fmt"
	"strings"
)

// DidYouMean returns " (did you mean X?)" for the candidates close to word,
// or "" when none is.
func DidYouMean(word string, candidates []string, prefix string) string {
	s := Suggest(word, candidates)
	if len(s) == 0 {
		return ""
	}
	for i := range s {
		s[i] = prefix + s[i]
	}
	if len(s) == 1 {
		return fmt.Sprintf(" (did you mean %s?)", s[0])
	}
	return fmt.Sprintf(" (did you mean %s or %s?)", strings.Join(s[:len(s)-1], ", "), s[len(s)-1])
}

// Suggest returns the candidates that word is probably a typo of: at most
// two edits away (one for short words; a swap of neighbours is one edit), or
// starting with word, closest first, at most three.
func Suggest(word string, candidates []string) []string {
	maxDist := 2
	if len(word) <= 3 {
		maxDist = 1
	}
	var out []string
	for d := 0; d <= maxDist+1 && len(out) < 3; d++ {
		for _, c := range candidates {
			if len(out) == 3 {
				break
			}
			cd := EditDistance(strings.ToLower(word), strings.ToLower(c))
			isPrefix := len(word) >= 3 && strings.HasPrefix(c, word)
			if (d <= maxDist && cd == d) || (d == maxDist+1 && isPrefix && cd > maxDist) {
				out = append(out, c)
			}
		}
	}
	return out
}

// EditDistance is the optimal string alignment distance of a and b:
// insertions, deletions, substitutions and swaps of neighbours.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
