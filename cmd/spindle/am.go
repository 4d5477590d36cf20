package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/pflag"
	"github.com/spindle-yarn/spindle/am"
	"github.com/spindle-yarn/spindle/internal/console"
	"github.com/spindle-yarn/spindle/internal/spec"
)

// cmdAM is the ApplicationMaster, started by YARN in the application's first container.
func cmdAM(ctx context.Context, env *cliEnv, args []string) error {
	fs := pflag.NewFlagSet("am", pflag.ContinueOnError)
	specPath := fs.String("spec", spec.FileName, "the application spec shipped by the client")
	if err := console.ParseFlags(fs, args); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the spindle binary to supervise the driver with: %w", err)
	}
	return am.Run(ctx, am.Options{SpecPath: *specPath, Log: env.log, Supervisor: self})
}
