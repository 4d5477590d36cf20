// Command spindle submits programs to Hadoop YARN as a driver plus executors, like
// spark-submit does for Spark, and is itself the ApplicationMaster and executor
// launcher it ships to the cluster.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/internal/console"
	"github.com/spindle-yarn/spindle/internal/proc"
)

// command is one subcommand of spindle.
type command struct {
	name   string
	usage  string
	hidden bool
	run    func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what every command gets: its output streams and logger.
type cliEnv struct {
	stdout, stderr io.Writer
	log            *logrus.Logger
	getenv         func(string) string
}

func commands() []command {
	return []command{
		{name: "submit", usage: "submit an application to YARN (or run it locally)", run: cmdSubmit},
		{name: "shell", usage: "start an interactive session with executors", run: cmdShell},
		{name: "cluster", usage: "show the cluster's nodes, metrics and queues", run: cmdCluster},
		{name: "list", usage: "list applications (not finished ones by default)", run: cmdList},
		{name: "status", usage: "show an application's state, and its summary once ended", run: cmdStatus},
		{name: "kill", usage: "kill an application", run: cmdKill},
		{name: "logs", usage: "print an application's container logs", run: cmdLogs},
		{name: "version", usage: "print the version", run: cmdVersion},
		{name: "am", hidden: true, run: cmdAM},
		{name: "executor", hidden: true, run: cmdExecutor},
		{name: "agent", hidden: true, run: cmdAgent},
		{name: proc.SuperviseCommand, hidden: true, run: cmdSupervise},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command args name and returns the exit code: 0, the
// command's own, 1 for an error, 2 for a mistake on the command line.
func run(args []string, stdout, stderr io.Writer) int {
	log := logrus.New()
	log.SetOutput(stderr)
	log.SetFormatter(&console.LineFormatter{TimeLayout: console.ClientTimeLayout})
	env := &cliEnv{stdout: stdout, stderr: stderr, log: log, getenv: os.Getenv}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "--help":
		usage(stdout)
		return 0
	case "--version":
		name = "version"
	case "help":
		if len(rest) == 0 {
			usage(stdout)
			return 0
		}
		if len(rest) > 1 {
			fmt.Fprintf(stderr, "spindle help: want one command, not %q\n", rest)
			return 2
		}
		if rest[0] == "help" {
			usage(stdout)
			return 0
		}
		name, rest = rest[0], []string{"--help"}
	}
	c, ok := lookupCommand(name)
	if !ok && strings.HasPrefix(name, "-") {
		fmt.Fprintf(stderr, "spindle: unknown flag %s%s: flags come after the command (spindle COMMAND --flag)\nRun 'spindle help' for the list of commands.\n", name, console.DidYouMean(strings.TrimLeft(name, "-"), []string{"help", "version"}, "--"))
		return 2
	}
	if !ok {
		fmt.Fprintf(stderr, "spindle: unknown command %q%s\nRun 'spindle help' for the list of commands.\n", name, console.DidYouMean(name, commandNames(), ""))
		return 2
	}
	if c.hidden {
		log.SetFormatter(&console.LineFormatter{TimeLayout: console.ContainerTimeLayout})
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return console.ExitCode(env.stdout, env.stderr, c.name, c.run(ctx, env, rest))
}

// lookupCommand finds a command by name.
func lookupCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usage writes the list of commands.
func usage(w io.Writer) {
	var list []console.Command
	for _, c := range commands() {
		if !c.hidden {
			list = append(list, console.Command{Name: c.name, Summary: c.usage})
		}
	}
	console.Usage(w, list)
}

// commandNames lists the commands a user may type.
func commandNames() []string {
	var names []string
	for _, c := range commands() {
		if !c.hidden {
			names = append(names, c.name)
		}
	}
	return names
}
