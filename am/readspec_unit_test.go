package am

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/spec"
)

func TestReadSpecFromCredentialsOrFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), spec.FileName)
	if err := os.WriteFile(file, []byte(`{"id":"from-file","mode":"cluster"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &creds.Credentials{}
	if a, err := readSpec(c, file); err != nil || a.ID != "from-file" {
		t.Errorf("without the secret: %+v, %v; want the file's", a, err)
	}
	c.AddSecret(spec.SpecSecretAlias, []byte(`{"id":"from-creds","mode":"client"}`))
	if a, err := readSpec(c, file); err != nil || a.ID != "from-creds" || a.Mode != spec.ModeClient {
		t.Errorf("with the secret: %+v, %v; want the credentials'", a, err)
	}
	ec, err := executorCredentials(c, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := creds.Parse(ec)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := parsed.Secret(spec.SpecSecretAlias); ok {
		t.Error("executors' credentials carry the spec")
	}
}
