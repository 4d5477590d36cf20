package launch

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
	"google.golang.org/protobuf/proto"
)

// LogRedirect sends a container's standard output and error to the files YARN shows
// as the container's logs (<LOG_DIR> is expanded by the NodeManager).
const LogRedirect = "1><LOG_DIR>/stdout 2><LOG_DIR>/stderr"

// Context is what goes into one container.
type Context struct {
	Resources []spec.Resource
	Env       map[string]string
	// Command is the program and arguments; each word is shell-quoted, then LogRedirect appended.
	Command []string
	// Tokens is a Hadoop credentials blob ("HDTS..."), or nil for none.
	Tokens []byte
}

// Proto builds the ContainerLaunchContextProto.
func (c *Context) Proto() (*yarnpb.ContainerLaunchContextProto, error) {
	clc := &yarnpb.ContainerLaunchContextProto{}
	for _, r := range c.Resources {
		// YARN writes link names into its bash launch script between double quotes.
		if err := spec.CheckLinkName(r.Name); err != nil {
			return nil, fmt.Errorf("container launch context: %w", err)
		}
		lr, err := ResourceProto(r)
		if err != nil {
			return nil, err
		}
		clc.LocalResources = append(clc.LocalResources, &yarnpb.StringLocalResourceMapProto{Key: proto.String(r.Name), Value: lr})
	}
	keys := make([]string, 0, len(c.Env))
	for k := range c.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		// YARN writes values as export K="V" into its launch script: only values
		// that bash keeps as they are may go there (user values go in files).
		if !spec.ShellSafe(c.Env[k]) || !spec.ShellSafe(k) {
			return nil, fmt.Errorf("container launch context: the value of %s (%q) would be changed by YARN's launch script", k, c.Env[k])
		}
		clc.Environment = append(clc.Environment, &yarnpb.StringStringMapProto{Key: proto.String(k), Value: proto.String(c.Env[k])})
	}
	if len(c.Command) == 0 {
		return nil, fmt.Errorf("container launch context: empty command")
	}
	clc.Command = []string{nmEscape(ShellJoin(c.Command)) + " " + LogRedirect}
	if len(c.Tokens) > 0 { // never a present-but-empty blob: the RM would try to parse it
		clc.Tokens = c.Tokens
	}
	return clc, nil
}

// ResourceProto converts a staged resource to YARN's LocalResourceProto. The URL
// keeps the port -1 when the URI has none (an HDFS HA nameservice).
func ResourceProto(r spec.Resource) (*yarnpb.LocalResourceProto, error) {
	u, err := url.Parse(r.URL)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("local resource %s: %q is not a fully qualified URI", r.Name, r.URL)
	}
	port := int32(-1)
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("local resource %s: bad port in %q", r.Name, r.URL)
		}
		port = int32(n)
	}
	yu := &yarnpb.URLProto{Scheme: proto.String(u.Scheme), Port: proto.Int32(port), File: proto.String(u.Path)}
	if h := u.Hostname(); h != "" {
		yu.Host = proto.String(h)
	}
	typ := yarnpb.LocalResourceTypeProto_FILE
	if r.Type == spec.TypeArchive {
		typ = yarnpb.LocalResourceTypeProto_ARCHIVE
	}
	vis := yarnpb.LocalResourceVisibilityProto_APPLICATION
	switch r.Visibility {
	case spec.VisibilityPublic:
		vis = yarnpb.LocalResourceVisibilityProto_PUBLIC
	case spec.VisibilityPrivate:
		vis = yarnpb.LocalResourceVisibilityProto_PRIVATE
	}
	return &yarnpb.LocalResourceProto{Resource: yu, Size: proto.Int64(r.Size), Timestamp: proto.Int64(r.Timestamp),
		Type: typ.Enum(), Visibility: vis.Enum()}, nil
}

// ShellJoin quotes each word for a POSIX shell (the NodeManager runs commands through
// bash) and joins them with spaces. Words that need no quoting stay as they are, and
// {{VAR}} and <LOG_DIR> markers are left for the NodeManager to expand.
//
// The NodeManager rewrites {{VAR}} to $VAR in the command text before bash sees it,
// so a {{VAR}} marker must not end up inside single quotes: it is put in double
// quotes of its own ("{{VAR}}" becomes "$VAR", which bash expands without word
// splitting, and the closing quote ends the variable name), while the text around it
// is quoted as usual. <LOG_DIR> is replaced by a plain path, so quoting keeps it intact.
func ShellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = shellQuote(w)
	}
	return strings.Join(out, " ")
}

func shellQuote(w string) string {
	if w == "" {
		return "''"
	}
	var b strings.Builder
	for w != "" {
		i, n := findParamMarker(w)
		if i < 0 {
			b.WriteString(quoteLiteral(w))
			break
		}
		if i > 0 {
			b.WriteString(quoteLiteral(w[:i]))
		}
		b.WriteString(`"` + w[i:i+n] + `"`)
		w = w[i+n:]
	}
	return b.String()
}

// findParamMarker returns the index and length of the first {{NAME}} marker in s
// (NAME a shell variable name), or -1.
func findParamMarker(s string) (int, int) {
	for off := 0; ; {
		i := strings.Index(s[off:], "{{")
		if i < 0 {
			return -1, 0
		}
		i += off
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			return -1, 0
		}
		if isShellName(s[i+2 : i+2+j]) {
			return i, j + 4
		}
		off = i + 1
	}
}

func isShellName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// quoteLiteral quotes text that must reach the program unchanged: as is when it has
// no shell metacharacters, else in single quotes.
func quoteLiteral(w string) string {
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r)) {
			return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
	}
	return w
}

// nmEscape prepares a shell command for the NodeManager, which on Linux runs
// it as `exec /bin/bash -c "COMMAND"` in launch_container.sh without escaping
// it: the backslashes, double quotes, dollar signs and backquotes that
// ShellJoin's quoting contains are escaped for that outer double-quoted
// string, so that the inner bash sees exactly ShellJoin's text (with the
// {{VAR}} markers, which the NodeManager turns into $VAR, expanded inside
// ShellJoin's double quotes).
func nmEscape(cmd string) string {
	var b strings.Builder
	for _, r := range cmd {
		if strings.ContainsRune("\\\"$`", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
