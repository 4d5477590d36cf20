package main

import (
	"errors"
)

// TEMPORARY during development; replaced by the real commands.
var errTodo = errors.New("not yet")
