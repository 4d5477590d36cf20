package hadoopconf

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxIncludeNesting bounds xi:include/xi:fallback nesting inside one file
// and chains of included files.
const maxIncludeNesting = 32

// ParseError reports a configuration file that could not be read as Hadoop
// configuration XML, with the file and (when known) the 1-based line.
type ParseError struct {
	File string // path of the offending file
	Line int    // 1-based line number, 0 if unknown
	Err  error  // the underlying problem (may be an *xml.SyntaxError)
}

// Error formats the error as "hadoopconf: parsing FILE: line N: problem".
func (e *ParseError) Error() string {
	msg := e.Err.Error()
	var se *xml.SyntaxError
	if errors.As(e.Err, &se) {
		// SyntaxError.Error repeats the line; we print it once ourselves.
		msg = "XML syntax error: " + se.Msg
	}
	if e.Line > 0 {
		return fmt.Sprintf("hadoopconf: parsing %s: line %d: %s", e.File, e.Line, msg)
	}
	return fmt.Sprintf("hadoopconf: parsing %s: %s", e.File, msg)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// property is one <property> of a configuration file.
type property struct {
	name     string
	value    string
	hasValue bool // a <value> (or value attribute) was present, possibly empty
	final    bool
	line     int
}

// include is one <xi:include> with its optional <xi:fallback> content.
type include struct {
	href        string
	parse       string // the parse attribute; "" or "xml" are supported
	line        int
	hasFallback bool
	fallback    []item
}

// item is a property or an include, kept in document order.
type item struct {
	prop *property
	inc  *include
}

// parser reads one configuration document.
type parser struct {
	name string
	d    *xml.Decoder
}

// parseXML parses a Hadoop configuration document: a <configuration> root
// holding <property> elements (with <name>, <value>, <final> children or the
// equivalent attributes) and <xi:include> elements. name is used in errors.
// Includes are returned unresolved.
func parseXML(name string, data []byte) ([]item, error) {
	p := &parser{name: name, d: xml.NewDecoder(bytes.NewReader(data))}
	p.d.Strict = true
	p.d.CharsetReader = charsetReader
	if err := p.root(); err != nil {
		return nil, err
	}
	items, err := p.container(0)
	if err != nil {
		return nil, err
	}
	if err := p.trailing(); err != nil {
		return nil, err
	}
	return items, nil
}

// fail turns err into a *ParseError at the decoder's current line (or the
// line an XML syntax error names).
func (p *parser) fail(err error) error {
	if err == io.EOF {
		err = errors.New("unexpected end of file")
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) && se.Line > 0 {
		return &ParseError{File: p.name, Line: se.Line, Err: err}
	}
	return &ParseError{File: p.name, Line: p.line(), Err: err}
}

// line returns the 1-based line the decoder has reached.
func (p *parser) line() int {
	line, _ := p.d.InputPos()
	return line
}

// root consumes the prolog and the <configuration> start tag.
func (p *parser) root() error {
	for {
		tok, err := p.d.Token()
		if err == io.EOF {
			return p.fail(errors.New("no <configuration> element"))
		}
		if err != nil {
			return p.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "configuration" {
				return p.fail(fmt.Errorf("root element is <%s>, want <configuration>", t.Name.Local))
			}
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return p.fail(errors.New("text before the <configuration> element"))
			}
		}
	}
}

// trailing checks that nothing but comments, processing instructions and
// white space follows the root element.
func (p *parser) trailing() error {
	for {
		tok, err := p.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return p.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return p.fail(fmt.Errorf("element <%s> after </configuration>", t.Name.Local))
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return p.fail(errors.New("text after </configuration>"))
			}
		}
	}
}

// container reads the children of <configuration> or <xi:fallback> up to
// and including the element's end tag.
func (p *parser) container(nesting int) ([]item, error) {
	var items []item
	for {
		tok, err := p.d.Token()
		if err != nil {
			return nil, p.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "property" && !isXInclude(t.Name):
				pr, err := p.property(t)
				if err != nil {
					return nil, err
				}
				items = append(items, item{prop: pr})
			case isXInclude(t.Name) && t.Name.Local == "include":
				inc, err := p.include(t, nesting)
				if err != nil {
					return nil, err
				}
				items = append(items, item{inc: inc})
			default:
				// <description>, nested <configuration>, unknown elements: ignored.
				if err := p.d.Skip(); err != nil {
					return nil, p.fail(err)
				}
			}
		case xml.EndElement:
			return items, nil
		}
	}
}

// property reads one <property> element whose start tag is start.
func (p *parser) property(start xml.StartElement) (*property, error) {
	pr := &property{line: p.line()}
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "name":
			pr.name = strings.TrimSpace(a.Value)
		case "value":
			pr.value, pr.hasValue = a.Value, true
		case "final":
			pr.final = strings.TrimSpace(a.Value) == "true"
		}
	}
	for {
		tok, err := p.d.Token()
		if err != nil {
			return nil, p.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "name", "value", "final":
				text, err := p.text()
				if err != nil {
					return nil, err
				}
				switch t.Name.Local {
				case "name":
					pr.name = strings.TrimSpace(text)
				case "value":
					pr.value, pr.hasValue = text, true
				case "final":
					pr.final = strings.TrimSpace(text) == "true"
				}
			default: // <description>, <source>, <tag>, ...
				if err := p.d.Skip(); err != nil {
					return nil, p.fail(err)
				}
			}
		case xml.EndElement:
			return pr, nil
		}
	}
}

// text returns the character data (including CDATA) of the current element,
// up to and including its end tag; text of nested elements is included.
func (p *parser) text() (string, error) {
	var b strings.Builder
	depth := 0
	for {
		tok, err := p.d.Token()
		if err != nil {
			return "", p.fail(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth == 0 {
				return b.String(), nil
			}
			depth--
		}
	}
}

// include reads one <xi:include> element whose start tag is start.
func (p *parser) include(start xml.StartElement, nesting int) (*include, error) {
	if nesting >= maxIncludeNesting {
		return nil, p.fail(errors.New("xi:include/xi:fallback nested too deeply"))
	}
	inc := &include{line: p.line()}
	hasHref := false
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "href":
			inc.href, hasHref = strings.TrimSpace(a.Value), true
		case "parse":
			inc.parse = strings.TrimSpace(a.Value)
		}
	}
	if !hasHref || inc.href == "" {
		return nil, p.fail(errors.New("xi:include without an href attribute"))
	}
	for {
		tok, err := p.d.Token()
		if err != nil {
			return nil, p.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if isXInclude(t.Name) && t.Name.Local == "fallback" {
				items, err := p.container(nesting + 1)
				if err != nil {
					return nil, err
				}
				inc.hasFallback = true
				inc.fallback = append(inc.fallback, items...)
				continue
			}
			if err := p.d.Skip(); err != nil {
				return nil, p.fail(err)
			}
		case xml.EndElement:
			return inc, nil
		}
	}
}

// isXInclude reports whether n is in the XInclude namespace, or uses the
// conventional "xi" prefix without declaring it.
func isXInclude(n xml.Name) bool {
	return n.Space == "xi" || strings.Contains(n.Space, "XInclude")
}

// charsetReader lets documents declare encodings other than UTF-8 that are
// trivial to decode: US-ASCII and ISO-8859-1.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1":
		raw, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(raw)+len(raw)/8)
		for _, b := range raw {
			out = utf8.AppendRune(out, rune(b))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (use UTF-8)", label)
}
