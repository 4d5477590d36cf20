package agent

import (
	"context"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// WaitKey blocks until key exists in the AM's store and returns its value. It retries
// failed long-polls (an AM that is briefly unreachable) once a second, and returns
// ctx's error when ctx ends first. Both sides of the shell protocol wait this way.
func WaitKey(ctx context.Context, sdk *container.Client, key string) ([]byte, error) {
	for {
		v, err := sdk.Wait(ctx, key)
		if err == nil {
			return v, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
