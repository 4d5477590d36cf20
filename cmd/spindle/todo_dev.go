package main

import (
	"context"
	"errors"
)

// TEMPORARY during development; replaced by the real commands.
var errTodo = errors.New("not yet")

func cmdShell(context.Context, *cliEnv, []string) error { return errTodo }
func cmdLogs(context.Context, *cliEnv, []string) error  { return errTodo }
