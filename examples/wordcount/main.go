// Command wordcount counts the words of a text file shipped with --files: each
// executor counts the lines of its share of the file and the driver merges the counts.
//
//	CGO_ENABLED=0 go build -o wordcount ./examples/wordcount
//	spindle submit --master yarn --deploy-mode cluster --num-executors 2 \
//	  --files testdata/words.txt ./wordcount words.txt
//
// Executor k (of n) takes the lines whose number modulo n is k-1; an executor that
// replaces a failed one takes over its share.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

type job struct {
	File  string `json:"file"`
	Parts int    `json:"parts"`
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "wordcount:", err)
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
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: wordcount FILE (ship FILE with --files)")
	}
	return driver(ctx, c, os.Args[1])
}

func driver(ctx context.Context, c *container.Client, file string) error {
	app, err := c.App(ctx)
	if err != nil {
		return err
	}
	parts := app.TargetExecutors
	if parts < 1 {
		return fmt.Errorf("wordcount needs at least one executor (--num-executors)")
	}
	b, _ := json.Marshal(job{File: file, Parts: parts})
	if err := c.Put(ctx, "wc/job", b); err != nil {
		return err
	}
	total := map[string]int{}
	for p := 0; p < parts; p++ {
		v, err := c.Wait(ctx, "wc/result/"+strconv.Itoa(p))
		if err != nil {
			return fmt.Errorf("wait for part %d: %w", p, err)
		}
		var counts map[string]int
		if err := json.Unmarshal(v, &counts); err != nil {
			return fmt.Errorf("part %d: %w", p, err)
		}
		for w, n := range counts {
			total[w] += n
		}
	}
	words := make([]string, 0, len(total))
	sum := 0
	for w, n := range total {
		words = append(words, w)
		sum += n
	}
	sort.Slice(words, func(i, j int) bool {
		if total[words[i]] != total[words[j]] {
			return total[words[i]] > total[words[j]]
		}
		return words[i] < words[j]
	})
	fmt.Printf("%d words, %d distinct\n", sum, len(words))
	for i, w := range words {
		if i == 10 {
			break
		}
		fmt.Printf("%7d %s\n", total[w], w)
	}
	return nil
}

func executor(ctx context.Context, c *container.Client) error {
	b, err := c.Wait(ctx, "wc/job")
	if err != nil {
		return err
	}
	var j job
	if err := json.Unmarshal(b, &j); err != nil || j.Parts < 1 {
		return fmt.Errorf("bad job from the driver: %s", b)
	}
	id, err := strconv.Atoi(c.Env().ExecutorID)
	if err != nil {
		return fmt.Errorf("executor id %q: %w", c.Env().ExecutorID, err)
	}
	part := (id - 1) % j.Parts
	f, err := os.Open(j.File)
	if err != nil {
		return fmt.Errorf("open %s (was it shipped with --files?): %w", j.File, err)
	}
	defer f.Close()
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 0; sc.Scan(); line++ {
		if line%j.Parts != part {
			continue
		}
		for _, w := range strings.Fields(sc.Text()) {
			w = strings.ToLower(strings.Trim(w, ".,;:!?\"'()[]{}"))
			if w != "" {
				counts[w]++
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", j.File, err)
	}
	out, _ := json.Marshal(counts)
	fmt.Printf("executor %d: part %d of %d, %d distinct words\n", id, part, j.Parts, len(counts))
	return c.Put(ctx, "wc/result/"+strconv.Itoa(part), out)
}
