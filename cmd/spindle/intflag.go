package main

import (
	"fmt"
	"strconv"
	"strings"
)

// intFlag is a whole-number flag whose value stays a string, so that it can
// default to "" (the cluster decides) and feed the --conf layer unchanged.
// A value that is not a whole number is refused while parsing, naming the flag.
type intFlag struct{ v string }

// String implements pflag.Value.
func (f *intFlag) String() string { return f.v }

// Set implements pflag.Value.
func (f *intFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	if _, err := strconv.Atoi(s); err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	f.v = s
	return nil
}

// Type implements pflag.Value; help shows it as the flag's argument.
func (f *intFlag) Type() string { return "int" }
