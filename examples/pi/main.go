// Command pi estimates π with a driver and executors: the driver publishes how many
// samples each executor should draw, every executor draws its share of random points
// in the unit square and reports how many fell inside the quarter circle, and the
// driver adds the counts up.
//
// Build it statically and submit it:
//
//	CGO_ENABLED=0 go build -o pi ./examples/pi
//	spindle submit --master yarn --deploy-mode cluster --num-executors 3 ./pi 2000000
//
// The same binary is the driver (SPINDLE_ROLE=driver) and the executors.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// job is what the driver publishes for the executors.
type job struct {
	Samples int64 `json:"samples"` // per executor
}

// partial is what an executor reports back.
type partial struct {
	Executor string `json:"executor"`
	Samples  int64  `json:"samples"`
	Inside   int64  `json:"inside"`
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "pi:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	c, err := container.FromEnv()
	if err != nil {
		return err
	}
	if c.Env().Role == container.RoleExecutor {
		return executor(ctx, c)
	}
	samples := int64(1_000_000)
	if len(os.Args) > 1 {
		if samples, err = strconv.ParseInt(os.Args[1], 10, 64); err != nil || samples <= 0 {
			return fmt.Errorf("samples per executor %q: want a positive number", os.Args[1])
		}
	}
	return driver(ctx, c, samples)
}

func driver(ctx context.Context, c *container.Client, samples int64) error {
	app, err := c.App(ctx)
	if err != nil {
		return err
	}
	n := app.TargetExecutors
	if n < 1 {
		return fmt.Errorf("pi needs at least one executor (--num-executors)")
	}
	b, _ := json.Marshal(job{Samples: samples})
	if err := c.Put(ctx, "pi/job", b); err != nil {
		return err
	}
	fmt.Printf("driver: asked %d executors for %d samples each\n", n, samples)
	for {
		results, err := c.List(ctx, "pi/result/")
		if err != nil {
			return err
		}
		if len(results) >= n {
			var total, inside int64
			for _, v := range results {
				var p partial
				if err := json.Unmarshal(v, &p); err != nil {
					return fmt.Errorf("bad result from an executor: %w", err)
				}
				total += p.Samples
				inside += p.Inside
			}
			fmt.Printf("Pi is roughly %.6f (%d samples from %d executors)\n", 4*float64(inside)/float64(total), total, len(results))
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func executor(ctx context.Context, c *container.Client) error {
	b, err := c.Wait(ctx, "pi/job") // the rendezvous: wait for the driver
	if err != nil {
		return err
	}
	var j job
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("bad job from the driver: %w", err)
	}
	id := c.Env().ExecutorID
	seed, _ := strconv.ParseUint(id, 10, 64)
	r := rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))
	var inside int64
	for i := int64(0); i < j.Samples; i++ {
		x, y := r.Float64(), r.Float64()
		if x*x+y*y <= 1 {
			inside++
		}
	}
	out, _ := json.Marshal(partial{Executor: id, Samples: j.Samples, Inside: inside})
	fmt.Printf("executor %s: %d of %d inside\n", id, inside, j.Samples)
	return c.Put(ctx, "pi/result/"+id, out)
}
