package console

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
	if h, ok := runHelp(name); ok {
		return h
	}
	return inspectHelp(name)
}

// runHelp is the help of the commands that run programs: submit and shell.
func runHelp(name string) (Help, bool) {
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
		}, true
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
		}, true
	}
	return Help{}, false
}

// inspectHelp is the help of the commands that look at the cluster and its
// applications, of version, and of the hidden commands run in containers.
func inspectHelp(name string) Help {
	switch name {
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
