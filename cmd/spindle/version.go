package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/internal/console"
)

// version is set at build time with -ldflags "-X main.version=..."; the
// module version in the build information wins over it when there is one.
var version = "dev"

// cmdVersion is `spindle version` (and `spindle --version`).
func cmdVersion(_ context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("version", pflag.ContinueOnError)
	if err := console.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return console.Usagef("version takes no arguments, not %q", fs.Arg(0))
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(env.stdout, console.VersionLine(bi, version))
	return nil
}
