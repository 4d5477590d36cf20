package console

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"
)

// Time layouts of LineFormatter: the client's lines are read as they come,
// the ApplicationMaster's and executors' later, in their containers' logs.
const (
	ClientTimeLayout    = "15:04:05"
	ContainerTimeLayout = "2006-01-02 15:04:05.000"
)

// LineFormatter writes a log entry as one line, the same whether or not the
// output is a terminal: "15:04:05 INFO  message key=value".
type LineFormatter struct {
	TimeLayout string // ClientTimeLayout or ContainerTimeLayout
}

// Format implements logrus.Formatter.
func (f *LineFormatter) Format(e *logrus.Entry) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(e.Time.Format(f.TimeLayout))
	fmt.Fprintf(&b, " %-5s ", levelName(e.Level))
	b.WriteString(strings.TrimRight(e.Message, "\n"))
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(quoteIfNeeded(fieldString(e.Data[k])))
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// levelName is the level in capitals, WARN for warnings.
func levelName(l logrus.Level) string {
	if l == logrus.WarnLevel {
		return "WARN"
	}
	return strings.ToUpper(l.String())
}

func fieldString(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(v)
}

// quoteIfNeeded quotes s when it is empty or has spaces, quotes, = or
// control characters, so that key=value stays one token.
func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r == '"' || r == '=' || r == 0x7f || !strconv.IsPrint(r)
	}) {
		return strconv.Quote(s)
	}
	return s
}
