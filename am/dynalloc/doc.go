// Package dynalloc decides how many executors an application should have,
// the way Spark's dynamic allocation does, from how many tasks wait and run
// and how long executors have been idle. It is a pure state machine: the
// caller feeds it the time and the load every tick (Spark ticks every
// 100ms; anything up to a second works) and carries out its decisions.
//
// Scaling up: once tasks have been queued for SchedulerBacklogTimeout, the
// target grows by 1, then, every SustainedSchedulerBacklogTimeout while the
// backlog lasts, by twice the previous step (1, 2, 4, 8, ...), never beyond
// MaxExecutors nor beyond what the queued and running tasks need
// (ceil((queued+running) / TasksPerExecutor)). A step that could not be
// taken in full starts the doubling over. When the backlog clears, the
// doubling starts over too.
//
// Scaling down: when the tasks need fewer executors than the target, the
// target drops at once to that need (never below MinExecutors); this only
// cancels executors not yet started. Running executors are released only
// when they have been idle (holding no task) for ExecutorIdleTimeout, and
// only as long as at least max(MinExecutors, target) executors remain.
// Busy executors are never released.
//
// Until the first task arrives or an executor idles out, the target stays
// at InitialExecutors.
package dynalloc
