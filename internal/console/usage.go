package console

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"
)

// HelpRequested is what ParseFlags returns for --help or -h: the command
// line then prints the command's help on stdout and exits 0.
type HelpRequested struct{ FS *pflag.FlagSet }

// Error implements error.
func (h HelpRequested) Error() string { return "help requested" }

// UsageError is a mistake on the command line: the command line prints it
// with a pointer to the help and exits 2.
type UsageError struct{ Msg string }

// Error implements error.
func (e UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError with the formatted message.
func Usagef(format string, args ...any) error { return UsageError{fmt.Sprintf(format, args...)} }

// ParseFlags parses args: --help and -h become HelpRequested, a mistake a
// UsageError naming the flag.
func ParseFlags(fs *pflag.FlagSet, args []string) error {
	fs.Usage = func() {} // the caller prints the help, on stdout
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return HelpRequested{fs}
		}
		return FlagError(fs, err)
	}
	return nil
}

// FlagError turns pflag's parse error into a usage error that names the flag
// and, for an unknown one, suggests the flags meant.
func FlagError(fs *pflag.FlagSet, err error) error {
	var notExist *pflag.NotExistError
	var invalid *pflag.InvalidValueError
	var required *pflag.ValueRequiredError
	switch {
	case errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() == "":
		name := notExist.GetSpecifiedName()
		return Usagef("unknown flag --%s%s", name, DidYouMean(name, flagNames(fs), "--"))
	case errors.As(err, &notExist):
		return Usagef("unknown flag -%s in -%s", notExist.GetSpecifiedName(), notExist.GetSpecifiedShortnames())
	case errors.As(err, &invalid):
		return Usagef("--%s %q: %s", invalid.GetFlag().Name, invalid.GetValue(), wantValue(invalid.GetFlag()))
	case errors.As(err, &required):
		return Usagef("--%s needs a value", required.GetFlag().Name)
	}
	return UsageError{err.Error()}
}

// wantValue says what a flag's value should look like.
func wantValue(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "int", "int32", "int64", "uint", "uint32", "uint64":
		return "want a whole number"
	case "duration":
		return "want a duration such as 90s, 5m or 1h30m"
	case "bool":
		return "want true or false"
	}
	return "invalid value"
}

// flagNames lists the flags of fs a user may use.
func flagNames(fs *pflag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	return names
}
