package console

import (
	"reflect"
	"testing"
)

func TestSuggest(t *testing.T) {
	cands := []string{"submit", "shell", "status", "list", "logs", "kill"}
	for _, tc := range []struct {
		word string
		want []string
	}{
		{"submit", []string{"submit"}},
		{"sbumit", []string{"submit"}}, // a swap is one edit
		{"sta", []string{"status"}},    // a prefix
		{"lis", []string{"list"}},
		{"log", []string{"logs"}},
		{"xyzzy", nil},
		{"ki", nil}, // too short to guess from
	} {
		if got := Suggest(tc.word, cands); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
	if got := DidYouMean("lgos", []string{"lags", "log", "logs"}, "--"); got != " (did you mean --logs, --lags or --log?)" {
		t.Errorf("three suggestions: %q", got)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"submit", "sumbit", 1}, {"ab", "ba", 1}, {"status", "stauts", 1}, {"abc", "abc", 0},
	} {
		if got := EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
