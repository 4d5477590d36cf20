package workqueue

import (
	"fmt"
	"time"
)

// Defaults of Options.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxTasks       = 100000
	DefaultMaxBytes       = 256 << 20
	DefaultMaxResultBytes = 4 << 10
	DefaultMaxErrorBytes  = 1 << 10
	DefaultMaxAttempts    = 4
	DefaultMaxLeaseTime   = time.Hour
)

// Options are the queue's limits. Zero fields take the defaults.
type Options struct {
	// MaxBodyBytes is the largest task body (default 1 MiB).
	MaxBodyBytes int
	// MaxTasks is the most tasks the queue holds, finished ones included
	// (default 100000).
	MaxTasks int
	// MaxBytes bounds the bytes of unfinished bodies, results and error
	// texts (default 256 MiB).
	MaxBytes int64
	// MaxResultBytes is the largest result of a completed task (default
	// 4 KiB).
	MaxResultBytes int
	// MaxErrorBytes is the longest failure reason kept; longer ones are
	// truncated (default 1 KiB).
	MaxErrorBytes int
	// MaxAttempts is how many counted failures fail a task for good
	// (default 4, like spark.task.maxFailures).
	MaxAttempts int
	// MaxLeaseTime is the longest lease (default 1h).
	MaxLeaseTime time.Duration
	// Clock is the source of time (default SystemClock).
	Clock Clock
}

// withDefaults fills in zero fields and checks the rest.
func (o Options) withDefaults() (Options, error) {
	setInt := func(p *int, def int) {
		if *p == 0 {
			*p = def
		}
	}
	setInt(&o.MaxBodyBytes, DefaultMaxBodyBytes)
	setInt(&o.MaxTasks, DefaultMaxTasks)
	setInt(&o.MaxResultBytes, DefaultMaxResultBytes)
	setInt(&o.MaxErrorBytes, DefaultMaxErrorBytes)
	setInt(&o.MaxAttempts, DefaultMaxAttempts)
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxLeaseTime == 0 {
		o.MaxLeaseTime = DefaultMaxLeaseTime
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	switch {
	case o.MaxBodyBytes < 0, o.MaxTasks < 0, o.MaxBytes < 0, o.MaxResultBytes < 0, o.MaxErrorBytes < 0:
		return o, fmt.Errorf("creating task queue: %w: negative limit in %+v", ErrInvalid, o)
	case o.MaxAttempts < 0:
		return o, fmt.Errorf("creating task queue: %w: MaxAttempts %d is negative", ErrInvalid, o.MaxAttempts)
	case o.MaxLeaseTime < 0:
		return o, fmt.Errorf("creating task queue: %w: MaxLeaseTime %v is negative", ErrInvalid, o.MaxLeaseTime)
	}
	return o, nil
}
