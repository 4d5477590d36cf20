package console

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Help is what `spindle help CMD` and `spindle CMD --help` show: the
// synopsis, what the command does, and examples. The flags come from the
// command's FlagSet.
type Help struct {
	Synopsis string   // after "Usage: spindle "
	About    string   // one or more paragraphs
	Examples []string // each "# comment\ncommand" or just "command"
}

// CommandHelp returns the help of the named command (zero for an unknown one).
func CommandHelp(name string) Help {
	switch name {
	case "submit":
		return Help{
			Synopsis: "submit [flags] APP [ARGS...]",
			About: `Runs APP as the driver plus --num-executors executors on YARN (or locally with
--master local[N]). APP is a program or a directory holding a Go main package,
which spindle builds for Linux. Flags follow spark-submit's; every flag also has a
--conf spindle.* key. Everything after APP is APP's.`,
			Examples: []string{
				"# the driver and 3 executors in YARN; the driver's output streams here\nspindle submit --master yarn --deploy-mode cluster --num-executors 3 ./examples/pi",
				"# the driver runs here, 2 executors of 512 MB in the queue batch\nspindle submit --master yarn --queue batch --num-executors 2 --executor-memory 512m ./pi 100000",
				"# no cluster: the driver and 2 executors as local processes\nspindle submit --master local[2] ./examples/pi",
				"# for scripts: one JSON object per event, and only the id with --no-wait\nspindle submit --json --master yarn --deploy-mode cluster ./job\nspindle submit --no-wait --master yarn --deploy-mode cluster ./job",
			},
		}
	case "shell":
		return Help{
			Synopsis: "shell [flags]",
			About: `Starts --num-executors executors on YARN (or locally with --master local[N]) and
runs each line typed (or piped in) with /bin/sh on every executor. This process
is the driver (client mode). :help at the prompt lists the session's commands;
Tab completes : commands, Ctrl-R searches the history, which is kept in
~/.spindle_shell_history (SPINDLE_SHELL_HISTORY=FILE for another, =none for none).
The exit code is 1 if any command failed.`,
			Examples: []string{
				"spindle shell --master yarn --num-executors 3 --executor-memory 256m",
				"# scripted: the exit code says whether every command succeeded\nprintf 'hostname\\n:executors\\n' | spindle shell --master yarn --num-executors 2",
			},
		}
	case "cluster":
		return Help{
			Synopsis: "cluster [--json]",
			About:    "Shows the YARN cluster's nodes, metrics and queues (like `yarn node -list` plus\n`yarn queue -status`).",
			Examples: []string{"spindle cluster", "spindle cluster --json | jq '.nodes[].id'"},
		}
	case "list":
		return Help{
			Synopsis: "list [--state S] [--queue Q] [--user U] [--tag T] [--name N] [--type T | --all-types] [--json]",
			About:    "Lists the applications the ResourceManager knows, like `yarn application -list`.",
			Examples: []string{
				"# Spindle applications not finished yet\nspindle list",
				"spindle list --state FINISHED,FAILED --queue batch --tag nightly",
				"spindle list --state ALL --all-types --json",
			},
		}
	case "status":
		return Help{
			Synopsis: "status [--json] [--app-owner USER] APPID",
			About: `Shows an application's state, final status, diagnostics and tracking URL and,
once it has ended, the summary its ApplicationMaster left in its logs (executors,
hosts, exit statuses, failures, timings, events), also after the ResourceManager
has forgotten the application.`,
			Examples: []string{
				"spindle status application_1700000000000_0001",
				"spindle status --json --app-owner alice application_1700000000000_0001",
			},
		}
	case "kill":
		return Help{
			Synopsis: "kill APPID",
			About:    "Kills an application, waits until YARN reports it ended, and removes its staging\ndirectory.",
			Examples: []string{"spindle kill application_1700000000000_0001"},
		}
	case "logs":
		return Help{
			Synopsis: "logs [--container ID] [--file NAME] [--follow] APPID",
			About: `Prints an application's container logs, like 'yarn logs -applicationId': read from
the NodeManagers while the application runs, from the aggregated logs once it has
finished (yarn.log-aggregation-enable). Each file starts with a header
"== CONTAINER on NODE (FILE) ==".`,
			Examples: []string{
				"spindle logs application_1700000000000_0001",
				"# the driver's stderr in cluster mode (the AM container, ..._000001)\nspindle logs application_1700000000000_0001 --container container_1700000000000_0001_01_000001 --file stderr",
				"spindle logs --follow --file 'std*' application_1700000000000_0001",
			},
		}
	case "version":
		return Help{
			Synopsis: "version",
			About:    "Prints spindle's version, the VCS revision it was built from (and whether the\nwork tree had changes), and the Go version. `spindle --version` does the same.",
			Examples: []string{"spindle version"},
		}
	case "am":
		return Help{Synopsis: "am [--spec FILE]", About: "The ApplicationMaster: YARN starts it in an application's first container."}
	case "executor":
		return Help{Synopsis: "executor -- COMMAND [ARGS...]", About: "The executor launcher: what an executor container runs."}
	case "agent":
		return Help{Synopsis: "agent", About: "The executor agent of `spindle shell`."}
	}
	return Help{}
}

// PrintHelp writes the help of the command fs belongs to: its Help and its flags.
func PrintHelp(w io.Writer, fs *pflag.FlagSet) {
	h := CommandHelp(fs.Name())
	fmt.Fprintf(w, "Usage: spindle %s\n", h.Synopsis)
	if h.About != "" {
		fmt.Fprintf(w, "\n%s\n", h.About)
	}
	if flags := fs.FlagUsages(); flags != "" {
		fmt.Fprintf(w, "\nFlags:\n%s", flags)
	}
	if len(h.Examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for i, e := range h.Examples {
			if i > 0 && strings.HasPrefix(e, "#") {
				fmt.Fprintln(w)
			}
			for _, line := range strings.Split(e, "\n") {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
}

// Command is a line of the list of commands Usage prints.
type Command struct {
	Name, Summary string
}

// Usage writes the list of commands.
func Usage(w io.Writer, commands []Command) {
	fmt.Fprintln(w, "Usage: spindle COMMAND [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintln(w, "\nExamples:")
	fmt.Fprintln(w, "  spindle submit --master local[2] ./examples/pi")
	fmt.Fprintln(w, "  spindle submit --master yarn --deploy-mode cluster --num-executors 3 ./examples/pi")
	fmt.Fprintln(w, "  spindle help submit")
	fmt.Fprintln(w, "\nRun 'spindle help COMMAND' (or 'spindle COMMAND --help') for a command's flags\nand examples, 'spindle --version' for the version.")
}

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
