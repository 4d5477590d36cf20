package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// helpText is what `spindle help CMD` and `spindle CMD --help` show: the
// synopsis, what the command does, and examples. The flags come from the
// command's FlagSet.
type helpText struct {
	synopsis string   // after "Usage: spindle "
	about    string   // one or more paragraphs
	examples []string // each "# comment\ncommand" or just "command"
}

// commandHelp returns the help of the named command (zero for an unknown one).
func commandHelp(name string) helpText {
	switch name {
	case "submit":
		return helpText{
			synopsis: "submit [flags] APP [ARGS...]",
			about: `Runs APP as the driver plus --num-executors executors on YARN (or locally with
--master local[N]). APP is a program or a directory holding a Go main package,
which spindle builds for Linux. Flags follow spark-submit's; every flag also has a
--conf spindle.* key. Everything after APP is APP's.`,
			examples: []string{
				"# the driver and 3 executors in YARN; the driver's output streams here\nspindle submit --master yarn --deploy-mode cluster --num-executors 3 ./examples/pi",
				"# the driver runs here, 2 executors of 512 MB in the queue batch\nspindle submit --master yarn --queue batch --num-executors 2 --executor-memory 512m ./pi 100000",
				"# no cluster: the driver and 2 executors as local processes\nspindle submit --master local[2] ./examples/pi",
				"# for scripts: one JSON object per event, and only the id with --no-wait\nspindle submit --json --master yarn --deploy-mode cluster ./job\nspindle submit --no-wait --master yarn --deploy-mode cluster ./job",
			},
		}
	case "shell":
		return helpText{
			synopsis: "shell [flags]",
			about: `Starts --num-executors executors on YARN (or locally with --master local[N]) and
runs each line typed (or piped in) with /bin/sh on every executor. This process
is the driver (client mode). :help at the prompt lists the session's commands;
Tab completes : commands, Ctrl-R searches the history, which is kept in
~/.spindle_shell_history (SPINDLE_SHELL_HISTORY=FILE for another, =none for none).
The exit code is 1 if any command failed.`,
			examples: []string{
				"spindle shell --master yarn --num-executors 3 --executor-memory 256m",
				"# scripted: the exit code says whether every command succeeded\nprintf 'hostname\\n:executors\\n' | spindle shell --master yarn --num-executors 2",
			},
		}
	case "cluster":
		return helpText{
			synopsis: "cluster [--json]",
			about:    "Shows the YARN cluster's nodes, metrics and queues (like `yarn node -list` plus\n`yarn queue -status`).",
			examples: []string{"spindle cluster", "spindle cluster --json | jq '.nodes[].id'"},
		}
	case "list":
		return helpText{
			synopsis: "list [--state S] [--queue Q] [--user U] [--tag T] [--name N] [--type T | --all-types] [--json]",
			about:    "Lists the applications the ResourceManager knows, like `yarn application -list`.",
			examples: []string{
				"# Spindle applications not finished yet\nspindle list",
				"spindle list --state FINISHED,FAILED --queue batch --tag nightly",
				"spindle list --state ALL --all-types --json",
			},
		}
	case "status":
		return helpText{
			synopsis: "status [--json] [--app-owner USER] APPID",
			about: `Shows an application's state, final status, diagnostics and tracking URL and,
once it has ended, the summary its ApplicationMaster left in its logs (executors,
hosts, exit statuses, failures, timings, events), also after the ResourceManager
has forgotten the application.`,
			examples: []string{
				"spindle status application_1700000000000_0001",
				"spindle status --json --app-owner alice application_1700000000000_0001",
			},
		}
	case "kill":
		return helpText{
			synopsis: "kill APPID",
			about:    "Kills an application, waits until YARN reports it ended, and removes its staging\ndirectory.",
			examples: []string{"spindle kill application_1700000000000_0001"},
		}
	case "logs":
		return helpText{
			synopsis: "logs [--container ID] [--file NAME] [--follow] APPID",
			about: `Prints an application's container logs, like 'yarn logs -applicationId': read from
the NodeManagers while the application runs, from the aggregated logs once it has
finished (yarn.log-aggregation-enable). Each file starts with a header
"== CONTAINER on NODE (FILE) ==".`,
			examples: []string{
				"spindle logs application_1700000000000_0001",
				"# the driver's stderr in cluster mode (the AM container, ..._000001)\nspindle logs application_1700000000000_0001 --container container_1700000000000_0001_01_000001 --file stderr",
				"spindle logs --follow --file 'std*' application_1700000000000_0001",
			},
		}
	case "version":
		return helpText{
			synopsis: "version",
			about:    "Prints spindle's version, the VCS revision it was built from (and whether the\nwork tree had changes), and the Go version. `spindle --version` does the same.",
			examples: []string{"spindle version"},
		}
	case "am":
		return helpText{synopsis: "am [--spec FILE]", about: "The ApplicationMaster: YARN starts it in an application's first container."}
	case "executor":
		return helpText{synopsis: "executor -- COMMAND [ARGS...]", about: "The executor launcher: what an executor container runs."}
	case "agent":
		return helpText{synopsis: "agent", about: "The executor agent of `spindle shell`."}
	}
	return helpText{}
}

// printHelp writes the help of the command fs belongs to.
func printHelp(w io.Writer, fs *pflag.FlagSet) {
	h := commandHelp(fs.Name())
	fmt.Fprintf(w, "Usage: spindle %s\n", h.synopsis)
	if h.about != "" {
		fmt.Fprintf(w, "\n%s\n", h.about)
	}
	if flags := fs.FlagUsages(); flags != "" {
		fmt.Fprintf(w, "\nFlags:\n%s", flags)
	}
	if len(h.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for i, e := range h.examples {
			if i > 0 && strings.HasPrefix(e, "#") {
				fmt.Fprintln(w)
			}
			for _, line := range strings.Split(e, "\n") {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
}

// usage writes the list of commands.
func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: spindle COMMAND [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  %-9s %s\n", c.name, c.usage)
		}
	}
	fmt.Fprintln(w, "\nExamples:")
	fmt.Fprintln(w, "  spindle submit --master local[2] ./examples/pi")
	fmt.Fprintln(w, "  spindle submit --master yarn --deploy-mode cluster --num-executors 3 ./examples/pi")
	fmt.Fprintln(w, "  spindle help submit")
	fmt.Fprintln(w, "\nRun 'spindle help COMMAND' (or 'spindle COMMAND --help') for a command's flags\nand examples, 'spindle --version' for the version.")
}

// helpRequested is what parseFlags returns for --help or -h: run then prints
// the command's help on stdout and exits 0.
type helpRequested struct{ fs *pflag.FlagSet }

func (h helpRequested) Error() string { return "help requested" }

// usageError is a mistake on the command line: run prints it with a pointer
// to the help and exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// flagError turns pflag's parse error into a usage error that names the flag
// and, for an unknown one, suggests the flags meant.
func flagError(fs *pflag.FlagSet, err error) error {
	var notExist *pflag.NotExistError
	var invalid *pflag.InvalidValueError
	var required *pflag.ValueRequiredError
	switch {
	case errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() == "":
		name := notExist.GetSpecifiedName()
		return usagef("unknown flag --%s%s", name, didYouMean(name, flagNames(fs), "--"))
	case errors.As(err, &notExist):
		return usagef("unknown flag -%s in -%s", notExist.GetSpecifiedName(), notExist.GetSpecifiedShortnames())
	case errors.As(err, &invalid):
		return usagef("--%s %q: %s", invalid.GetFlag().Name, invalid.GetValue(), wantValue(invalid.GetFlag()))
	case errors.As(err, &required):
		return usagef("--%s needs a value", required.GetFlag().Name)
	}
	return usageError{err.Error()}
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

// didYouMean returns " (did you mean X?)" for the candidates close to word,
// or "" when none is.
func didYouMean(word string, candidates []string, prefix string) string {
	s := suggest(word, candidates)
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

// suggest returns the candidates that word is probably a typo of: at most
// two edits away (one for short words; a swap of neighbours is one edit), or
// starting with word, closest first, at most three.
func suggest(word string, candidates []string) []string {
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
			cd := editDistance(strings.ToLower(word), strings.ToLower(c))
			isPrefix := len(word) >= 3 && strings.HasPrefix(c, word)
			if (d <= maxDist && cd == d) || (d == maxDist+1 && isPrefix && cd > maxDist) {
				out = append(out, c)
			}
		}
	}
	return out
}

// editDistance is the optimal string alignment distance of a and b:
// insertions, deletions, substitutions and swaps of neighbours.
func editDistance(a, b string) int {
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
