package logs

import (
	"fmt"
	"io"
)

// NewPrinter returns a Printer writing to w.
func NewPrinter(w io.Writer) *Printer { return &Printer{w: w} }

// Printer writes log files as `spindle logs` prints them: each under a
// "== CONTAINER on NODE (FILE) ==" header, separated by blank lines, each
// ending in a newline. Create it with NewPrinter.
type Printer struct {
	w       io.Writer
	started bool
	lastNL  bool   // the last byte written was a newline
	current string // header of the file being continued (follow mode)
}

func (p *Printer) header(container, node, name string) error {
	if node == "" {
		node = "an unknown node"
	}
	h := fmt.Sprintf("== %s on %s (%s) ==\n", container, node, name)
	if p.started {
		if !p.lastNL {
			h = "\n" + h
		}
		h = "\n" + h
	}
	p.started, p.lastNL, p.current = true, true, h
	_, err := io.WriteString(p.w, h)
	return err
}

func (p *Printer) body(r io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := p.w.Write(buf[:n]); werr != nil {
				return werr
			}
			p.lastNL = buf[n-1] == '\n'
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// File prints a whole log file.
func (p *Printer) File(lf *LogFile) error {
	if err := p.header(lf.Container, lf.Node, lf.Name); err != nil {
		return err
	}
	if err := p.body(lf.Content); err != nil {
		return fmt.Errorf("%s of %s: %w", lf.Name, lf.Container, err)
	}
	if !p.lastNL {
		if _, err := io.WriteString(p.w, "\n"); err != nil {
			return err
		}
		p.lastNL = true
	}
	return nil
}

// Chunk prints new output of a followed file, with a header when the file
// differs from the last one printed.
func (p *Printer) Chunk(c *Chunk) error {
	node := c.Node
	if node == "" {
		node = "an unknown node"
	}
	if h := fmt.Sprintf("== %s on %s (%s) ==\n", c.Container, node, c.Name); h != p.current {
		if err := p.header(c.Container, c.Node, c.Name); err != nil {
			return err
		}
	}
	if c.Skipped > 0 {
		nl := ""
		if !p.lastNL {
			nl = "\n"
		}
		if _, err := fmt.Fprintf(p.w, "%s[... %d bytes skipped ...]\n", nl, c.Skipped); err != nil {
			return err
		}
		p.lastNL = true
	}
	_, err := p.w.Write(c.Data)
	if len(c.Data) > 0 {
		p.lastNL = c.Data[len(c.Data)-1] == '\n'
	}
	return err
}
