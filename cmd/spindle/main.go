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
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spindle-yarn/spindle/internal/proc"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

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

func run(args []string, stdout, stderr io.Writer) int {
	log := logrus.New()
	log.SetOutput(stderr)
	log.SetFormatter(&logrus.TextFormatter{DisableTimestamp: false, FullTimestamp: true, TimestampFormat: "15:04:05.000"})
	env := &cliEnv{stdout: stdout, stderr: stderr, log: log, getenv: os.Getenv}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err := c.run(ctx, env, args[1:])
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.code
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "spindle %s: %s\n", c.name, oneLine(err))
			return 1
		}
	}
	fmt.Fprintf(stderr, "spindle: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// errUsage means the command already printed a usage message.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: spindle COMMAND [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  %-9s %s\n", c.name, c.usage)
		}
	}
	fmt.Fprintln(w, "\nRun 'spindle COMMAND --help' for a command's flags.")
}

func cmdVersion(_ context.Context, env *cliEnv, _ []string) error {
	fmt.Fprintf(env.stdout, "spindle %s\n", version)
	return nil
}
