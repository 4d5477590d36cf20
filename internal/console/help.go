package console

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

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
