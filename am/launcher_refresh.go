package am

import (
	"context"
	"fmt"
	"os"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/creds"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// keepCredentialsFresh, for an application whose credentials the AM
// refreshes (spec.EnvCredentialsRefresh), rewrites the container's
// credentials file (HADOOP_TOKEN_FILE_LOCATION) in place with every version
// the AM announces, so that Hadoop tools the executor starts later find
// fresh tokens. The launcher stays the executor command's parent while it
// does. It returns the function that stops it.
func keepCredentialsFresh(ctx context.Context) (stop func()) {
	tokenFile := os.Getenv(creds.EnvTokenFile)
	if os.Getenv(spec.EnvCredentialsRefresh) != "1" || tokenFile == "" {
		return func() {}
	}
	sdk, err := container.FromEnv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "spindle executor: the credentials will not be refreshed: %v\n", err)
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		_ = sdk.KeepCredentialsFile(ctx, tokenFile, 1, func(v uint64) {
			fmt.Fprintf(os.Stderr, "spindle executor: credentials version %d written to %s\n", v, tokenFile)
		})
	}()
	return cancel
}
