package client

import (
	"reflect"
	"strings"
	"testing"
)

func TestTranslateKeys(t *testing.T) {
	in := map[string]string{
		"spark.executor.memory":        "2g",
		"spark.executorEnv.FOO":        "bar",
		"spark.hadoop.fs.x":            "y",
		"spark.driver.memory":          "3g",
		"spindle.driver.memory":        "4g", // wins over its spark twin in the same layer
		"spark.sql.shuffle.partitions": "8",
		"spindel.executor.memory":      "1g",
		"spindle.env.A":                "b",
	}
	out, msgs := TranslateKeys(in, "--conf")
	want := map[string]string{"spindle.executor.memory": "2g", "spindle.env.FOO": "bar", "spindle.hadoop.fs.x": "y",
		"spindle.driver.memory": "4g", "spindle.env.A": "b"}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("out = %v, want %v", out, want)
	}
	all := strings.Join(msgs, "\n")
	for _, w := range []string{"note: --conf spark.executor.memory is read as spindle.executor.memory",
		"note: --conf spark.executorEnv.FOO is read as spindle.env.FOO",
		"warning: --conf spark.sql.shuffle.partitions: spindle has no equivalent",
		"warning: --conf spindel.executor.memory: unknown key"} {
		if !strings.Contains(all, w) {
			t.Errorf("messages lack %q:\n%s", w, all)
		}
	}
	if strings.Contains(all, "spindle.env.A") {
		t.Errorf("a spindle key got a message:\n%s", all)
	}
}

func TestNoWaitClientModeRefused(t *testing.T) {
	_, err := ResolveOptions(map[string]string{KeyMaster: "yarn", KeyDeployMode: "client", KeyWait: "false"}, "app", nil)
	if err == nil || !strings.Contains(err.Error(), "--deploy-mode cluster") {
		t.Errorf("--no-wait in client mode: %v", err)
	}
	if _, err := ResolveOptions(map[string]string{KeyMaster: "yarn", KeyDeployMode: "cluster", KeyWait: "false"}, "app", nil); err != nil {
		t.Errorf("--no-wait in cluster mode: %v", err)
	}
}

// TestEveryOptionKeyIsKnown: a key spindle reads is never warned about as
// unknown (and so never dropped).
func TestEveryOptionKeyIsKnown(t *testing.T) {
	layer := map[string]string{}
	for _, k := range knownKeys {
		layer[k] = "x"
	}
	for _, k := range []string{KeyExecutorResourcePrefix + "yarn.io/gpu" + KeyResourceAmountSuffix,
		KeyDriverResourcePrefix + "gpu" + KeyResourceAmountSuffix, "spindle.dynamicAllocation.enabled",
		KeyEnvPrefix + "A", KeyHadoopPrefix + "fs.defaultFS"} {
		layer[k] = "x"
	}
	for _, k := range []string{KeyTasks, KeyAMPort, KeyPrincipal, KeyExecutorNodes, KeyRelaxLocality, KeyPlacement,
		KeyExcludeNodes, KeyExcludeOnFailure, KeyAMAttemptFailuresValidityInterval} {
		if _, ok := layer[k]; !ok {
			t.Errorf("%s is not among the known keys", k)
		}
	}
	out, msgs := TranslateKeys(layer, "--conf")
	if len(msgs) != 0 {
		t.Errorf("messages for known keys: %q", msgs)
	}
	if len(out) != len(layer) {
		t.Errorf("%d of %d known keys kept", len(out), len(layer))
	}
}
