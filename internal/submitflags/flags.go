// Package submitflags is the command line of spindle submit and spindle
// shell: spark-submit's flags where the concept is the same, each mapped to
// its --conf key, and the layers client.Resolve merges.
package submitflags

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/client"
)

// Flags are spark-submit's flags where the concept is the same, each mapped to
// its --conf key so that the command line, --conf and the properties file merge.
type Flags struct {
	FS             *pflag.FlagSet
	PropertiesFile string // --properties-file
	conf           []string
	env            []string
	execResources  []string
	driverRes      []string
	noWait         bool
	keyOf          map[string]string // flag name -> conf key
}

// New defines the flags of the command name ("submit" or "shell"; the
// shell's hides those of NotForShell), and extra's.
func New(name string, extra func(*pflag.FlagSet)) *Flags {
	f := &Flags{FS: pflag.NewFlagSet(name, pflag.ContinueOnError), keyOf: map[string]string{}}
	fs := f.FS
	fs.SetInterspersed(false) // everything after APP belongs to APP
	str := func(name, key, usage string) {
		fs.String(name, client.Default(key), usage)
		f.keyOf[name] = key
	}
	num := func(name, key, usage string) {
		fs.Var(NewIntFlag(client.Default(key)), name, usage)
		f.keyOf[name] = key
	}
	list := func(name, key, usage string) {
		// Kept as given (not pflag's CSV): client.SplitList splits it, quotes and escapes included.
		fs.StringArray(name, nil, usage+`; "..." or \, keep a comma in a name`)
		f.keyOf[name] = key
	}
	str("master", client.KeyMaster, "where to run: yarn, local, local[N] or local[*] (default: yarn when HADOOP_CONF_DIR or YARN_CONF_DIR is set, else local[*])")
	str("deploy-mode", client.KeyDeployMode, "cluster: the driver runs in YARN; client: the driver runs here")
	str("name", client.KeyName, "application name (default: the program's file name)")
	str("queue", client.KeyQueue, "YARN queue")
	num("num-executors", client.KeyNumExecutors, "number of executors")
	str("executor-memory", client.KeyExecutorMemory, "memory per executor, such as 512m, 2g or 1024 (MiB)")
	num("executor-cores", client.KeyExecutorCores, "virtual cores per executor")
	str("driver-memory", client.KeyDriverMemory, "memory of the driver's container (cluster mode)")
	num("driver-cores", client.KeyDriverCores, "virtual cores of the driver's container (cluster mode)")
	list("files", client.KeyFiles, "comma-separated files to place in every container's working directory (path[#alias])")
	list("archives", client.KeyArchives, "comma-separated .zip/.tar.gz/.tgz/.tar archives to extract in every container (path[#alias])")
	list("jars", client.KeyJars, "comma-separated files shipped like --files")
	str("executor-command", client.KeyExecutorCommand, "what each executor runs (default: APP ARGS with SPINDLE_ROLE=executor)")
	str("tasks", client.KeyTasks, "job array: a file with one task per line; each executor runs --executor-command once per task (body on stdin and in SPINDLE_TASK, line number in SPINDLE_TASK_ID)")
	num("max-app-attempts", client.KeyMaxAppAttempts, "ApplicationMaster attempts (default: the cluster's yarn.resourcemanager.am.max-attempts)")
	list("tags", client.KeyTags, "comma-separated YARN application tags")
	num("priority", client.KeyPriority, "YARN application priority")
	str("node-label", client.KeyExecutorNodeLabel, "YARN node-label expression for the executors (the AM's: --conf "+client.KeyAMNodeLabel+")")
	fs.StringArrayVar(&f.execResources, "executor-resource", nil, "NAME=AMOUNT of a YARN resource type per executor, repeatable (gpu, fpga or a type of the cluster, e.g. yarn.io/gpu=1)")
	fs.StringArrayVar(&f.driverRes, "driver-resource", nil, "NAME=AMOUNT of a YARN resource type for the driver's container (cluster mode), repeatable")
	str("principal", client.KeyPrincipal, "Kerberos principal to log in as with --keytab (secured clusters; default: the ticket cache, as after kinit)")
	str("keytab", client.KeyKeytab, "keytab of --principal; shipped to the ApplicationMaster so that it can renew the application's tokens")
	str("proxy-user", client.KeyProxyUser, "submit on behalf of this user (Hadoop impersonation: the cluster must allow it)")
	fs.Bool("wait", true, "follow the application until it ends and exit with its outcome")
	f.keyOf["wait"] = client.KeyWait
	fs.BoolVar(&f.noWait, "no-wait", false, "submit, print the application id and return")
	fs.BoolP("verbose", "v", false, "print what is uploaded and every state change in detail")
	f.keyOf["verbose"] = client.KeyVerbose
	fs.StringArrayVarP(&f.conf, "conf", "c", nil, "key=value option, repeatable (spindle.* keys; spindle.hadoop.X=V sets Hadoop key X)")
	fs.StringArrayVar(&f.env, "env", nil, "K=V environment variable for the driver and executors, repeatable")
	fs.StringVar(&f.PropertiesFile, "properties-file", "", "properties file (default: "+client.DefaultPropertiesFile+" beside the Hadoop configuration, if any)")
	if extra != nil {
		extra(fs)
	}
	if name == "shell" {
		for flag := range NotForShell() {
			_ = fs.MarkHidden(flag) // defined above, so no error
		}
	}
	return f
}

// NotForShell names the submit flags that do not apply to a shell session, and
// why: they are hidden from its help and suggestions, and refused if given.
func NotForShell() map[string]string {
	return map[string]string{
		"deploy-mode":      "a shell session is always in client mode (its driver is this process)",
		"executor-command": "every executor of a shell session runs the shell's agent",
		"driver-memory":    "the driver is this process, not a container",
		"driver-cores":     "the driver is this process, not a container",
		"wait":             "a shell session always lasts until it ends",
		"no-wait":          "a shell session always lasts until it ends",
		"tasks":            "a shell session runs commands at its prompt, not a job array",
	}
}

// Layers returns the --conf layer and the explicit-flags layer, for client.Resolve.
func (f *Flags) Layers() (confLayer, flagLayer map[string]string, err error) {
	confLayer = map[string]string{}
	for _, c := range f.conf {
		k, v, err := client.ParseConfFlag(c)
		if err != nil {
			return nil, nil, err
		}
		confLayer[k] = v
	}
	flagLayer = map[string]string{}
	for _, e := range f.env {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return nil, nil, fmt.Errorf("--env %q: want K=V", e)
		}
		flagLayer[client.KeyEnvPrefix+k] = v
	}
	for _, r := range []struct {
		flag, prefix string
		vals         []string
	}{{"executor-resource", client.KeyExecutorResourcePrefix, f.execResources}, {"driver-resource", client.KeyDriverResourcePrefix, f.driverRes}} {
		for _, e := range r.vals {
			k, v, ok := strings.Cut(e, "=")
			if k = strings.TrimSpace(k); !ok || k == "" {
				return nil, nil, fmt.Errorf("--%s %q: want NAME=AMOUNT, such as gpu=1", r.flag, e)
			}
			flagLayer[r.prefix+k+client.KeyResourceAmountSuffix] = v
		}
	}
	f.FS.Visit(func(fl *pflag.Flag) {
		key, ok := f.keyOf[fl.Name]
		if !ok {
			return
		}
		if sv, isSlice := fl.Value.(pflag.SliceValue); isSlice { // repeated: one list
			flagLayer[key] = strings.Join(sv.GetSlice(), ",")
			return
		}
		flagLayer[key] = fl.Value.String()
	})
	if f.noWait {
		flagLayer[client.KeyWait] = strconv.FormatBool(false)
	}
	return confLayer, flagLayer, nil
}
