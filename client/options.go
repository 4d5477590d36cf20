package client

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Option keys. Every submit flag has one; the command line beats --conf, which beats
// the properties file, which beats the default. Keys follow spark-submit's where the
// concept is the same (spark.executor.memory becomes spindle.executor.memory).
const (
	KeyMaster              = "spindle.master"
	KeyDeployMode          = "spindle.submit.deployMode"
	KeyName                = "spindle.app.name"
	KeyQueue               = "spindle.yarn.queue"
	KeyNumExecutors        = "spindle.executor.instances"
	KeyExecutorMemory      = "spindle.executor.memory"
	KeyExecutorCores       = "spindle.executor.cores"
	KeyDriverMemory        = "spindle.driver.memory"
	KeyDriverCores         = "spindle.driver.cores"
	KeyAMMemory            = "spindle.yarn.am.memory"
	KeyAMCores             = "spindle.yarn.am.cores"
	KeyFiles               = "spindle.yarn.dist.files"
	KeyArchives            = "spindle.yarn.dist.archives"
	KeyJars                = "spindle.yarn.dist.jars"
	KeyExecutorCommand     = "spindle.executor.command"
	KeyMaxAppAttempts      = "spindle.yarn.maxAppAttempts"
	KeyTags                = "spindle.yarn.tags"
	KeyPriority            = "spindle.yarn.priority"
	KeyNodeLabel           = "spindle.yarn.nodeLabelExpression"
	KeyWait                = "spindle.yarn.submit.waitAppCompletion"
	KeyVerbose             = "spindle.verbose"
	KeyBinary              = "spindle.yarn.binary"
	KeyMaxExecutorFailures = "spindle.executor.maxFailures"
	KeyDriverTimeout       = "spindle.driver.timeout"
	KeyStagingDir          = "spindle.yarn.stagingDir"
	KeyTasks               = "spindle.tasks.file"
	KeyAMPort              = "spindle.am.port"
	KeyEnvPrefix           = "spindle.env."    // spindle.env.K=V: --env K=V
	KeyHadoopPrefix        = "spindle.hadoop." // spindle.hadoop.X=V overrides Hadoop key X
)

// Default returns the built-in default of key, used when neither the command line nor
// a properties file sets it, or "" when it has none.
func Default(key string) string {
	switch key {
	case KeyDeployMode:
		return "client"
	case KeyQueue:
		return "default"
	case KeyNumExecutors:
		return "2"
	case KeyExecutorMemory, KeyDriverMemory:
		return "1g"
	case KeyExecutorCores, KeyDriverCores, KeyAMCores:
		return "1"
	case KeyAMMemory:
		return "256m"
	case KeyWait:
		return "true"
	case KeyDriverTimeout:
		return "60s"
	}
	return recoveryDefault(key)
}

// Options is a fully resolved submission: what the user asked for, parsed and checked
// for form (not yet against the cluster).
type Options struct {
	Master     string // "yarn", "local", "local[N]", "local[*]"
	DeployMode string // "cluster" or "client"
	Name       string
	Queue      string

	NumExecutors     int
	ExecutorMemoryMB int64
	ExecutorCores    int32
	DriverMemoryMB   int64
	DriverCores      int32
	AMMemoryMB       int64 // client mode: the launcher AM's own size
	AMCores          int32

	Files    []string
	Archives []string
	Jars     []string

	ExecutorCommand     []string // empty: APP with the executor role
	Env                 map[string]string
	MaxAppAttempts      int // 0: the cluster's yarn.resourcemanager.am.max-attempts
	MaxExecutorFailures int // 0: max(3, 2 x executors)
	Tags                []string
	Priority            int32
	NodeLabel           string // both containers' unless AMNodeLabel or ExecutorNodeLabel say otherwise
	AMNodeLabel         string
	ExecutorNodeLabel   string
	ExecutorResources   []ResourceAmount // resource types besides memory and vcores
	DriverResources     []ResourceAmount // the cluster-mode AM container's
	Placement           PlacementOptions
	Wait                bool
	Verbose             bool
	Binary              string // URI of a Linux spindle build already on the cluster
	StagingDir          string // overrides <home>/.spindle/staging
	DriverTimeout       time.Duration
	AMPort              string            // the AM API's port or range, "40000-40100"; "" or "0": any (see KeyAMPort)
	Hadoop              map[string]string // Hadoop configuration overrides
	Recovery            Recovery          // how the application rides out failures
	// DynamicAllocation holds the spindle.dynamicAllocation.* keys (checked);
	// empty when none is set.
	DynamicAllocation map[string]string
	// Tasks is the tasks file of a job array (--tasks), "" for none.
	Tasks    string
	Kerberos Kerberos // secured clusters: login, impersonation, tokens

	App     string
	AppArgs []string
}

// ResolveOptions turns a merged key/value map (see Merge) into Options, checking the form
// of every value. Each error names the flag and the --conf key, and the fix.
func ResolveOptions(conf map[string]string, app string, args []string) (*Options, error) {
	r := &resolver{conf: conf}
	o := &Options{App: app, AppArgs: args, Env: map[string]string{}, Hadoop: map[string]string{}}
	r.resolveApp(o)
	r.resolveSizes(o)
	r.resolveYARN(o)
	r.resolveRecovery(o)
	r.resolvePlacement(o)
	r.resolveTasks(o)
	r.resolveKerberos(o)
	r.resolveAMPort(o)
	for k, v := range conf {
		switch {
		case strings.HasPrefix(k, KeyEnvPrefix):
			name := strings.TrimPrefix(k, KeyEnvPrefix)
			if !validEnvName(name) {
				r.bad("env", k, "%q is not a valid environment variable name", name)
			}
			o.Env[name] = v
		case strings.HasPrefix(k, KeyHadoopPrefix):
			o.Hadoop[strings.TrimPrefix(k, KeyHadoopPrefix)] = v
		}
	}
	if len(r.errs) > 0 {
		sort.Strings(r.errs)
		return nil, &UsageError{Problems: r.errs}
	}
	return o, nil
}

// resolver reads the merged options, collecting every problem.
type resolver struct {
	conf map[string]string
	errs []string
}

func (r *resolver) get(k string) string {
	if v, ok := r.conf[k]; ok {
		return strings.TrimSpace(v)
	}
	return Default(k)
}

func (r *resolver) bad(flag, key, format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf("--%s (%s): %s", flag, key, fmt.Sprintf(format, a...)))
}

func (r *resolver) intVal(flag, key string, min int) int {
	v := r.get(key)
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		r.bad(flag, key, "%q: want a whole number >= %d", v, min)
	}
	return n
}

func (r *resolver) mem(flag, key string) int64 {
	n, err := ParseMemoryMB(r.get(key))
	if err != nil {
		r.bad(flag, key, "%v", err)
	}
	return n
}

func (r *resolver) boolVal(flag, key string) bool {
	v := r.get(key)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.bad(flag, key, "%q: want true or false", v)
	}
	return b
}

// resolveApp reads where and how the application runs.
func (r *resolver) resolveApp(o *Options) {
	o.Master = r.get(KeyMaster)
	o.DeployMode = r.get(KeyDeployMode)
	if o.DeployMode != "client" && o.DeployMode != "cluster" {
		r.bad("deploy-mode", KeyDeployMode, "%q is not a deploy mode: use cluster or client", o.DeployMode)
	}
	o.Name = r.get(KeyName)
	o.Files = r.list("files", KeyFiles)
	o.Archives = r.list("archives", KeyArchives)
	o.Jars = r.list("jars", KeyJars)
	if c := r.get(KeyExecutorCommand); c != "" {
		cmd, err := SplitCommand(c)
		if err != nil {
			r.bad("executor-command", KeyExecutorCommand, "%v", err)
		}
		o.ExecutorCommand = cmd
	}
	o.Wait = r.boolVal("wait", KeyWait)
	if !o.Wait && o.DeployMode == "client" && !IsLocalMaster(o.Master) {
		r.bad("no-wait", KeyWait, "client mode runs the driver on this machine, so spindle must stay to run it: use --deploy-mode cluster to submit and return (spark-submit, too, honours it only in cluster mode)")
	}
	o.Verbose = r.boolVal("verbose", KeyVerbose)
	o.Binary = r.get(KeyBinary)
	o.StagingDir = r.get(KeyStagingDir)
	if _, _, ok := stagingLocation(o.StagingDir); o.StagingDir != "" && !ok {
		r.bad("conf", KeyStagingDir, "%q: want an absolute path on fs.defaultFS or a URI such as hdfs://namenode:8020/tmp/staging", o.StagingDir)
	}
}

// resolveSizes reads the numbers and sizes of containers.
func (r *resolver) resolveSizes(o *Options) {
	o.NumExecutors = r.intVal("num-executors", KeyNumExecutors, 0)
	o.ExecutorMemoryMB = r.mem("executor-memory", KeyExecutorMemory)
	o.ExecutorCores = int32(r.intVal("executor-cores", KeyExecutorCores, 1))
	o.DriverMemoryMB = r.mem("driver-memory", KeyDriverMemory)
	o.DriverCores = int32(r.intVal("driver-cores", KeyDriverCores, 1))
	o.AMMemoryMB = r.mem("conf", KeyAMMemory)
	o.AMCores = int32(r.intVal("conf", KeyAMCores, 1))
	if v := r.get(KeyMaxExecutorFailures); v != "" {
		o.MaxExecutorFailures = r.intVal("conf", KeyMaxExecutorFailures, 0)
	}
}

// resolveYARN reads what YARN is told about the application.
func (r *resolver) resolveYARN(o *Options) {
	o.Queue = r.get(KeyQueue)
	if o.Queue == "" {
		r.bad("queue", KeyQueue, "empty queue name")
	}
	if v := r.get(KeyMaxAppAttempts); v != "" {
		o.MaxAppAttempts = r.intVal("max-app-attempts", KeyMaxAppAttempts, 1)
	}
	o.Tags = r.list("tags", KeyTags)
	r.checkTags(o.Tags)
	if v := r.get(KeyPriority); v != "" {
		o.Priority = int32(r.intVal("priority", KeyPriority, 0))
	}
	o.NodeLabel = r.get(KeyNodeLabel)
	if v := r.get(KeyDriverTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			r.bad("conf", KeyDriverTimeout, "%q: want a positive duration such as 60s", v)
		}
		o.DriverTimeout = d
	}
}

// UsageError lists everything wrong with a submission's options.
type UsageError struct{ Problems []string }

func (e *UsageError) Error() string {
	if len(e.Problems) == 1 {
		return "invalid option " + e.Problems[0]
	}
	return "invalid options:\n  " + strings.Join(e.Problems, "\n  ")
}

// list reads a comma-separated list (see SplitList).
func (r *resolver) list(flag, key string) []string {
	items, err := SplitList(r.get(key))
	if err != nil {
		r.bad(flag, key, "%v", err)
	}
	return items
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r != '_' && !(r >= 'A' && r <= 'Z') && !(r >= 'a' && r <= 'z') && (i == 0 || !(r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}
