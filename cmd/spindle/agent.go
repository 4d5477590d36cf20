package main

import (
	"context"
	"fmt"

	"github.com/spindle-yarn/spindle/container/agent"
)

// cmdAgent is what every executor of `spindle shell` runs (`spindle executor --
// ./spindle agent` in YARN).
func cmdAgent(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q: spindle agent takes none (spindle shell starts it in every executor)", args[0])
	}
	return agent.Main(ctx, env.log, env.getenv)
}
