package client

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
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
	for _, k := range declaredKeys(t) {
		if _, ok := layer[k]; !ok && !slices.Contains(knownPrefixes, k) {
			t.Errorf("%s is declared in package client but is neither among knownKeys nor knownPrefixes: add it to client/confkeys.go", k)
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

// declaredKeys returns the value of every exported Key* string constant of
// the package that names a spindle.* option, read from its source, so that
// a key added to the code and not to knownKeys fails the test.
func declaredKeys(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if !strings.HasPrefix(id.Name, "Key") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err == nil && strings.HasPrefix(v, "spindle.") {
						keys = append(keys, v)
					}
				}
			}
		}
	}
	if len(keys) < 40 {
		t.Fatalf("found only %d Key* constants naming spindle.* options: is the parse wrong?", len(keys))
	}
	return keys
}
