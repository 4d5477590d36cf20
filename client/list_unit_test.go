package client

import (
	"reflect"
	"testing"
)

func TestSplitList(t *testing.T) {
	for in, want := range map[string][]string{
		"":                          nil,
		"a,b":                       {"a", "b"},
		" a , b ,,":                 {"a", "b"},
		`a\,b.txt,c`:                {"a,b.txt", "c"},
		`"a,b.txt",c`:               {"a,b.txt", "c"},
		`" lead and trail ",x`:      {" lead and trail ", "x"},
		`my file.txt#my link`:       {"my file.txt#my link"},
		`a\"q\".txt`:                {`a"q".txt`},
		`"a \"q\", b.txt"`:          {`a "q", b.txt`},
		`C:\dir\x.txt,back\\slash`:  {`C:\dir\x.txt`, `back\slash`},
		`it's.txt,$(x).txt,é ü.zip`: {"it's.txt", "$(x).txt", "é ü.zip"},
		`pre"quoted,part"post`:      {"prequoted,partpost"},
	} {
		got, err := SplitList(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("SplitList(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := SplitList(`"open,x`); err == nil {
		t.Error("an unclosed quote is accepted")
	}
}
