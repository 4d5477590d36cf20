package client

import (
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// phases times the steps of a submission, for --verbose: where the
// submit latency goes.
type phases struct {
	last  time.Time
	steps []string
}

func newPhases() *phases { return &phases{last: time.Now()} }

// mark ends the step called name.
func (p *phases) mark(name string) {
	now := time.Now()
	p.steps = append(p.steps, fmt.Sprintf("%s %.1fms", name, float64(now.Sub(p.last))/float64(time.Millisecond)))
	p.last = now
}

// log writes the steps as one debug line.
func (p *phases) log(log logrus.FieldLogger) {
	log.Debugf("submission steps: %s", strings.Join(p.steps, ", "))
}
