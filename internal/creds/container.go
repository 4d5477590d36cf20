package creds

import (
	"fmt"
	"os"
)

// EnvTokenFile is the variable YARN sets to the container's credentials file.
const EnvTokenFile = "HADOOP_TOKEN_FILE_LOCATION"

// ContainerSecret reads the secret key alias from the credentials file of the
// current YARN container (the file EnvTokenFile names).
func ContainerSecret(alias string) (string, error) {
	path := os.Getenv(EnvTokenFile)
	if path == "" {
		return "", fmt.Errorf("read the %q secret: %s is not set (not running in a YARN container?)", alias, EnvTokenFile)
	}
	c, err := ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the %q secret: %w", alias, err)
	}
	s, ok := c.Secret(alias)
	if !ok || len(s) == 0 {
		return "", fmt.Errorf("read the %q secret: %s has no such secret", alias, path)
	}
	return string(s), nil
}
