package submitflags

import (
	"fmt"
	"strconv"
	"strings"
)

// IntFlag is a whole-number flag whose value stays a string, so that it can
// default to "" (the cluster decides) and feed the --conf layer unchanged.
// A value that is not a whole number is refused while parsing, naming the flag.
type IntFlag struct{ v string }

// String implements pflag.Value.
func (f *IntFlag) String() string { return f.v }

// Set implements pflag.Value.
func (f *IntFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	if _, err := strconv.Atoi(s); err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	f.v = s
	return nil
}

// Type implements pflag.Value; help shows it as the flag's argument.
func (f *IntFlag) Type() string { return "int" }

// NewIntFlag returns an IntFlag holding def, "" for none.
func NewIntFlag(def string) *IntFlag { return &IntFlag{v: def} }
