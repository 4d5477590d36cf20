package main

import (
	"encoding/json"
	"errors"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
	"github.com/spindle-yarn/spindle/hadoopconf"
)

// parseFlags parses args: --help and -h become helpRequested (run prints the
// command's help, see help.go), a mistake a usageError naming the flag.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	fs.Usage = func() {} // run prints the help, on stdout
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return helpRequested{fs}
		}
		return flagError(fs, err)
	}
	return nil
}

// printJSON writes v to stdout as indented JSON, for the --json flags.
func printJSON(env *cliEnv, v any) error {
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// connect loads the Hadoop configuration from YARN_CONF_DIR / HADOOP_CONF_DIR
// and prepares a connection to its ResourceManager, saying once when it
// cannot be reached (calls retry, failing over between HA ResourceManagers)
// and once when it is back.
func connect(env *cliEnv) (*client.Cluster, error) {
	conf, err := hadoopconf.LoadEnvironment()
	if err != nil {
		return nil, err
	}
	cl, err := client.Connect(conf)
	if err != nil {
		return nil, err
	}
	cl.OnConnectionChange(func(msg string, reachable bool) {
		if reachable {
			env.log.Info(msg)
		} else {
			env.log.Warn(msg)
		}
	})
	return cl, nil
}
