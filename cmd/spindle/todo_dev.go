package main

import (
	"context"
	"errors"

	"github.com/spindle-yarn/spindle/client"
)

// TEMPORARY during development; replaced by the real commands.
var errTodo = errors.New("not yet")

func cmdShell(context.Context, *cliEnv, []string) error  { return errTodo }
func cmdStatus(context.Context, *cliEnv, []string) error { return errTodo }
func cmdKill(context.Context, *cliEnv, []string) error   { return errTodo }
func cmdLogs(context.Context, *cliEnv, []string) error   { return errTodo }
func runLocal(context.Context, *cliEnv, *client.Options) error { return errTodo }
