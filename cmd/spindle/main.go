// Command spindle submits programs to Hadoop YARN as a driver plus executors, like
// spark-submit does for Spark, and is itself the ApplicationMaster and executor
// launcher it ships to the cluster.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
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

// exitError carries a specific exit code out of a command.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run runs the command args name and returns the exit code: 0, the
// command's own, 1 for an error, 2 for a mistake on the command line.
func run(args []string, stdout, stderr io.Writer) int {
	log := logrus.New()
	log.SetOutput(stderr)
	log.SetFormatter(&lineFormatter{timeLayout: clientTimeLayout})
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
		fmt.Fprintf(stderr, "spindle: unknown flag %s%s: flags come after the command (spindle COMMAND --flag)\nRun 'spindle help' for the list of commands.\n", name, didYouMean(strings.TrimLeft(name, "-"), []string{"help", "version"}, "--"))
		return 2
	}
	if !ok {
		fmt.Fprintf(stderr, "spindle: unknown command %q%s\nRun 'spindle help' for the list of commands.\n", name, didYouMean(name, commandNames(), ""))
		return 2
	}
	if c.hidden {
		log.SetFormatter(&lineFormatter{timeLayout: containerTimeLayout})
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return exitCode(env, c.name, c.run(ctx, env, rest))
}

// exitCode prints what err says, if anything, and returns the exit code for it.
func exitCode(env *cliEnv, name string, err error) int {
	var ee exitError
	var help helpRequested
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &help):
		printHelp(env.stdout, help.fs)
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintf(env.stderr, "spindle %s: %s\nRun 'spindle help %[1]s' for usage.\n", name, ue.msg)
		return 2
	}
	msg := briefError(actionable(err))
	if strings.HasPrefix(msg, name+" ") { // "spindle: kill application_...: ...", not "spindle kill: kill ..."
		fmt.Fprintf(env.stderr, "spindle: %s\n", msg)
	} else {
		fmt.Fprintf(env.stderr, "spindle %s: %s\n", name, msg)
	}
	return 1
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
