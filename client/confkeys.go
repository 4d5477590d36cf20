package client

import (
	"fmt"
	"sort"
	"strings"
)

// knownKeys are the option keys ResolveOptions reads (besides the prefixes).
// TestEveryOptionKeyIsKnown checks it against every Key* constant of the
// package that names a spindle.* option.
var knownKeys = []string{KeyMaster, KeyDeployMode, KeyName, KeyQueue, KeyNumExecutors, KeyExecutorMemory,
	KeyExecutorCores, KeyDriverMemory, KeyDriverCores, KeyAMMemory, KeyAMCores, KeyFiles, KeyArchives, KeyJars,
	KeyExecutorCommand, KeyMaxAppAttempts, KeyTags, KeyPriority, KeyNodeLabel, KeyWait, KeyVerbose, KeyBinary,
	KeyMaxExecutorFailures, KeyDriverTimeout, KeyStagingDir, KeyTasks, KeyAMPort,
	KeyPrincipal, KeyKeytab, KeyProxyUser, KeyFileSystems, KeyRenewalInterval, KeyTokenRenewer,
	KeyExecutorNodes, KeyExecutorRacks, KeyRelaxLocality, KeyPlacement, KeyAMNodeLabel, KeyExecutorNodeLabel,
	KeyExcludeNodes, KeyExcludeOnFailure, KeyMaxFailedExecutorsPerNode, KeyExcludeTimeout,
	KeyFailuresValidityInterval, KeyAMAttemptFailuresValidityInterval}

// knownPrefixes are the option key prefixes ResolveOptions reads; the keys
// below them are checked where they are parsed.
var knownPrefixes = []string{KeyEnvPrefix, KeyHadoopPrefix, KeyExecutorResourcePrefix, KeyDriverResourcePrefix,
	"spindle.dynamicAllocation."}

// sparkKeys are the spark-submit keys with a spindle equivalent (the README's
// flag table).
var sparkKeys = map[string]string{
	"spark.master":                            KeyMaster,
	"spark.submit.deployMode":                 KeyDeployMode,
	"spark.app.name":                          KeyName,
	"spark.yarn.queue":                        KeyQueue,
	"spark.executor.instances":                KeyNumExecutors,
	"spark.executor.memory":                   KeyExecutorMemory,
	"spark.executor.cores":                    KeyExecutorCores,
	"spark.driver.memory":                     KeyDriverMemory,
	"spark.driver.cores":                      KeyDriverCores,
	"spark.yarn.am.memory":                    KeyAMMemory,
	"spark.yarn.am.cores":                     KeyAMCores,
	"spark.yarn.dist.files":                   KeyFiles,
	"spark.yarn.dist.archives":                KeyArchives,
	"spark.yarn.dist.jars":                    KeyJars,
	"spark.yarn.maxAppAttempts":               KeyMaxAppAttempts,
	"spark.yarn.tags":                         KeyTags,
	"spark.yarn.priority":                     KeyPriority,
	"spark.yarn.executor.nodeLabelExpression": KeyNodeLabel,
	"spark.yarn.submit.waitAppCompletion":     KeyWait,
	"spark.executor.maxNumFailures":           KeyMaxExecutorFailures,
	"spark.yarn.stagingDir":                   KeyStagingDir,
}

// sparkPrefixes are spark-submit key prefixes with a spindle equivalent.
var sparkPrefixes = [][2]string{
	{"spark.executorEnv.", KeyEnvPrefix},
	{"spark.yarn.appMasterEnv.", KeyEnvPrefix},
	{"spark.hadoop.", KeyHadoopPrefix},
}

// TranslateKeys checks the keys of one layer of options (the properties file
// or --conf; source names it in the messages). It returns the layer with
// spark-submit keys that have a spindle equivalent renamed (a spindle key
// given in the same layer wins), and one message per key: a note for each
// translation, a warning for each key spindle does not know, which is ignored.
func TranslateKeys(layer map[string]string, source string) (map[string]string, []string) {
	out := make(map[string]string, len(layer))
	keys := make([]string, 0, len(layer))
	for k := range layer {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var msgs []string
	for _, k := range keys {
		switch to, kind := translateKey(k); kind {
		case keySpindle:
			out[k] = layer[k]
		case keySpark:
			msgs = append(msgs, fmt.Sprintf("note: %s %s is read as %s", source, k, to))
			if _, both := layer[to]; !both {
				out[to] = layer[k]
			}
		case keySparkUnknown:
			msgs = append(msgs, fmt.Sprintf("warning: %s %s: spindle has no equivalent of this Spark key; it is ignored", source, k))
		default:
			msgs = append(msgs, fmt.Sprintf("warning: %s %s: unknown key, ignored (spindle's keys are in the README's flag table)", source, k))
		}
	}
	return out, msgs
}

type keyKind int

const (
	keyUnknown keyKind = iota
	keySpindle
	keySpark
	keySparkUnknown
)

func translateKey(k string) (string, keyKind) {
	for _, known := range knownKeys {
		if k == known {
			return k, keySpindle
		}
	}
	for _, p := range knownPrefixes {
		if strings.HasPrefix(k, p) {
			return k, keySpindle
		}
	}
	if to, ok := sparkKeys[k]; ok {
		return to, keySpark
	}
	for _, p := range sparkPrefixes {
		if rest, ok := strings.CutPrefix(k, p[0]); ok && rest != "" {
			return p[1] + rest, keySpark
		}
	}
	if strings.HasPrefix(k, "spark.") {
		return "", keySparkUnknown
	}
	return "", keyUnknown
}
