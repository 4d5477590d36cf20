package dynalloc

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Configuration keys, as given with --conf.
const (
	KeyPrefix                           = "spindle.dynamicAllocation."
	KeyEnabled                          = KeyPrefix + "enabled"
	KeyMinExecutors                     = KeyPrefix + "minExecutors"
	KeyMaxExecutors                     = KeyPrefix + "maxExecutors"
	KeyInitialExecutors                 = KeyPrefix + "initialExecutors"
	KeySchedulerBacklogTimeout          = KeyPrefix + "schedulerBacklogTimeout"
	KeySustainedSchedulerBacklogTimeout = KeyPrefix + "sustainedSchedulerBacklogTimeout"
	KeyExecutorIdleTimeout              = KeyPrefix + "executorIdleTimeout"
	KeyTasksPerExecutor                 = KeyPrefix + "tasksPerExecutor"
)

// Defaults, those of Spark.
const (
	DefaultMaxExecutors            = math.MaxInt32
	DefaultSchedulerBacklogTimeout = time.Second
	DefaultExecutorIdleTimeout     = 60 * time.Second
	DefaultTasksPerExecutor        = 1
)

// Config holds the policy's knobs. Zero fields take the defaults: no
// minimum, no maximum (DefaultMaxExecutors), InitialExecutors =
// MinExecutors, a 1s backlog timeout, a sustained backlog timeout equal to
// the backlog timeout, a 60s idle timeout and one task per executor.
type Config struct {
	// MinExecutors is the fewest executors kept, however idle.
	MinExecutors int
	// MaxExecutors is the most executors asked for.
	MaxExecutors int
	// InitialExecutors is the target until the first task arrives or an
	// executor idles out. Values below MinExecutors count as MinExecutors.
	InitialExecutors int
	// SchedulerBacklogTimeout is how long tasks must have waited before
	// the first executors are added.
	SchedulerBacklogTimeout time.Duration
	// SustainedSchedulerBacklogTimeout is the interval of later additions
	// while tasks keep waiting.
	SustainedSchedulerBacklogTimeout time.Duration
	// ExecutorIdleTimeout is how long an executor must have been idle to
	// be released.
	ExecutorIdleTimeout time.Duration
	// TasksPerExecutor is how many tasks one executor runs at a time.
	TasksPerExecutor int
}

// withDefaults fills in zero fields and checks the result.
func (c Config) withDefaults() (Config, error) {
	if c.MaxExecutors == 0 {
		c.MaxExecutors = DefaultMaxExecutors
	}
	if c.SchedulerBacklogTimeout == 0 {
		c.SchedulerBacklogTimeout = DefaultSchedulerBacklogTimeout
	}
	if c.SustainedSchedulerBacklogTimeout == 0 {
		c.SustainedSchedulerBacklogTimeout = c.SchedulerBacklogTimeout
	}
	if c.ExecutorIdleTimeout == 0 {
		c.ExecutorIdleTimeout = DefaultExecutorIdleTimeout
	}
	if c.TasksPerExecutor == 0 {
		c.TasksPerExecutor = DefaultTasksPerExecutor
	}
	switch {
	case c.MinExecutors < 0:
		return c, fmt.Errorf("%s is %d: it must not be negative", KeyMinExecutors, c.MinExecutors)
	case c.MaxExecutors < 0:
		return c, fmt.Errorf("%s is %d: it must be positive", KeyMaxExecutors, c.MaxExecutors)
	case c.MinExecutors > c.MaxExecutors:
		return c, fmt.Errorf("%s (%d) is larger than %s (%d): lower the minimum or raise the maximum", KeyMinExecutors, c.MinExecutors, KeyMaxExecutors, c.MaxExecutors)
	case c.InitialExecutors > c.MaxExecutors:
		return c, fmt.Errorf("%s (%d) is larger than %s (%d)", KeyInitialExecutors, c.InitialExecutors, KeyMaxExecutors, c.MaxExecutors)
	case c.SchedulerBacklogTimeout < 0, c.SustainedSchedulerBacklogTimeout < 0, c.ExecutorIdleTimeout < 0:
		return c, fmt.Errorf("dynamic allocation timeouts must be positive, got backlog %v, sustained backlog %v, idle %v",
			c.SchedulerBacklogTimeout, c.SustainedSchedulerBacklogTimeout, c.ExecutorIdleTimeout)
	case c.TasksPerExecutor < 0:
		return c, fmt.Errorf("%s is %d: it must be positive", KeyTasksPerExecutor, c.TasksPerExecutor)
	}
	c.InitialExecutors = max(c.InitialExecutors, c.MinExecutors)
	return c, nil
}

// ParseConfig reads the spindle.dynamicAllocation.* keys of conf (others
// are ignored). enabled reports spindle.dynamicAllocation.enabled (default
// false). Counts are integers; timeouts are Go durations ("90s", "2m") or
// plain numbers of seconds, as in Spark.
func ParseConfig(conf map[string]string) (cfg Config, enabled bool, err error) {
	if v, ok := conf[KeyEnabled]; ok {
		if enabled, err = strconv.ParseBool(strings.TrimSpace(v)); err != nil {
			return Config{}, false, fmt.Errorf("%s=%q: want true or false", KeyEnabled, v)
		}
	}
	ints := []struct {
		key string
		dst *int
		min int
	}{
		{KeyMinExecutors, &cfg.MinExecutors, 0},
		{KeyMaxExecutors, &cfg.MaxExecutors, 1},
		{KeyInitialExecutors, &cfg.InitialExecutors, 0},
		{KeyTasksPerExecutor, &cfg.TasksPerExecutor, 1},
	}
	for _, f := range ints {
		if v, ok := conf[f.key]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < f.min {
				return Config{}, false, fmt.Errorf("%s=%q: want a whole number of at least %d", f.key, v, f.min)
			}
			*f.dst = n
		}
	}
	durs := []struct {
		key string
		dst *time.Duration
	}{
		{KeySchedulerBacklogTimeout, &cfg.SchedulerBacklogTimeout},
		{KeySustainedSchedulerBacklogTimeout, &cfg.SustainedSchedulerBacklogTimeout},
		{KeyExecutorIdleTimeout, &cfg.ExecutorIdleTimeout},
	}
	for _, f := range durs {
		if v, ok := conf[f.key]; ok {
			d, err := parseSeconds(v)
			if err != nil {
				return Config{}, false, fmt.Errorf("%s: %w", f.key, err)
			}
			*f.dst = d
		}
	}
	if cfg, err = cfg.withDefaults(); err != nil {
		return Config{}, false, err
	}
	return cfg, enabled, nil
}

// parseSeconds parses a positive duration: "90s", "2m" or "90" (seconds).
func parseSeconds(v string) (time.Duration, error) {
	s := strings.TrimSpace(v)
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, err2 := strconv.ParseFloat(s, 64)
		if err2 != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || secs > 1e9 {
			return 0, fmt.Errorf("%q is not a duration: want e.g. \"60s\" or a number of seconds", v)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be positive", v)
	}
	return d, nil
}
