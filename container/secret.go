package container

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
)

// SecretAlias is the alias under which the per-application secret travels in the
// credentials of every Spindle container (ContainerLaunchContext.tokens).
const SecretAlias = "spindle.secret"

// EnvTokenFile is the variable YARN sets to the container's credentials file.
const EnvTokenFile = "HADOOP_TOKEN_FILE_LOCATION"

// NewSecret returns a fresh random per-application secret.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate application secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// SecretFromCredentials reads the application secret from the container's
// credentials file (HADOOP_TOKEN_FILE_LOCATION).
func SecretFromCredentials() (string, error) {
	path := os.Getenv(EnvTokenFile)
	if path == "" {
		return "", fmt.Errorf("read application secret: %s is not set (not running in a YARN container?)", EnvTokenFile)
	}
	creds, err := ReadCredentialsFile(path)
	if err != nil {
		return "", fmt.Errorf("read application secret: %w", err)
	}
	s, ok := creds.Secret(SecretAlias)
	if !ok || len(s) == 0 {
		return "", fmt.Errorf("read application secret: %s has no %q secret", path, SecretAlias)
	}
	return string(s), nil
}
