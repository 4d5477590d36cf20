package spec

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Resource types, as spelled in Resource.Type. They correspond to YARN's
// LocalResourceTypeProto FILE and ARCHIVE.
const (
	// TypeFile is copied into the container's working directory as is.
	TypeFile = "file"
	// TypeArchive is extracted by the NodeManager into a directory named
	// after the link (YARN extracts .zip, .tar, .tar.gz, .tgz and .jar).
	TypeArchive = "archive"
)

// Resource visibilities, as spelled in Resource.Visibility. They correspond
// to YARN's LocalResourceVisibilityProto APPLICATION, PRIVATE and PUBLIC.
const (
	// VisibilityApplication resources are shared by the containers of one
	// application and deleted with it.
	VisibilityApplication = "application"
	// VisibilityPrivate resources are shared by all applications of the
	// same user on a node.
	VisibilityPrivate = "private"
	// VisibilityPublic resources are shared by every user on a node; the
	// NodeManager accepts them only if the file is world-readable and all
	// its parent directories are world-traversable.
	VisibilityPublic = "public"
)

// Resource is one YARN LocalResource: a file on the cluster filesystem that
// the NodeManager downloads into a container's working directory under Name.
//
// Size and Timestamp must be what the filesystem reports for the file after
// it was completely written: the NodeManager refuses to localize it when the
// modification time differs ("changed on src filesystem").
type Resource struct {
	// Name is the link name in the container's working directory.
	Name string `json:"name"`
	// URL is the fully qualified URI of the file, e.g.
	// hdfs://nameservice/user/alice/.spindle/staging/app_1_0001/spindle or
	// file:///home/alice/.spindle/staging/app_1_0001/spindle.
	URL string `json:"url"`
	// Size is the file length in bytes.
	Size int64 `json:"size"`
	// Timestamp is the file's modification time in milliseconds since the
	// Unix epoch, exactly as the filesystem stores it.
	Timestamp int64 `json:"timestamp"`
	// Type is TypeFile or TypeArchive.
	Type string `json:"type"`
	// Visibility is VisibilityApplication, VisibilityPrivate or
	// VisibilityPublic.
	Visibility string `json:"visibility"`
}

// Validate reports the first problem that would make YARN reject or
// mis-localize r: an empty or path-like name, a URL that is not absolute,
// a negative size, or an unknown type or visibility.
func (r Resource) Validate() error {
	switch {
	case r.Name == "" || r.Name == "." || r.Name == "..":
		return fmt.Errorf("resource %q: invalid link name", r.Name)
	case strings.Contains(r.Name, "/"):
		return fmt.Errorf("resource %q: link name must not contain \"/\"", r.Name)
	case r.Size < 0:
		return fmt.Errorf("resource %q: negative size %d", r.Name, r.Size)
	}
	switch r.Type {
	case TypeFile, TypeArchive:
	default:
		return fmt.Errorf("resource %q: unknown type %q (want %q or %q)", r.Name, r.Type, TypeFile, TypeArchive)
	}
	switch r.Visibility {
	case VisibilityApplication, VisibilityPrivate, VisibilityPublic:
	default:
		return fmt.Errorf("resource %q: unknown visibility %q", r.Name, r.Visibility)
	}
	if _, err := SplitURL(r.URL); err != nil {
		return fmt.Errorf("resource %q: %w", r.Name, err)
	}
	return nil
}

// URLParts is a URI split the way YARN's URL record (URLProto) holds it.
type URLParts struct {
	// Scheme is the URI scheme, e.g. "hdfs" or "file".
	Scheme string
	// Host is the host name, or the HA nameservice id for hdfs://ns/...;
	// empty for file:///... URIs. IPv6 literals keep their brackets, as
	// java.net.URI.getHost returns them.
	Host string
	// Port is the port number, or -1 when the URI has none (always the case
	// for an HA nameservice).
	Port int32
	// File is the decoded path, with "#fragment" appended when the URI has
	// one.
	File string
	// UserInfo is the user-info part of the authority, usually empty.
	UserInfo string
}

// SplitURL splits a fully qualified URI into the fields of YARN's URL
// record, as Hadoop's URL.fromURI does: hdfs://nn:8020/p gives host "nn",
// port 8020, file "/p"; hdfs://ns/p gives host "ns", port -1.
func SplitURL(uri string) (URLParts, error) {
	if uri == "" {
		return URLParts{}, errors.New("empty resource URL")
	}
	u, err := url.Parse(uri)
	if err != nil {
		return URLParts{}, fmt.Errorf("parsing resource URL %q: %w", uri, err)
	}
	if u.Scheme == "" {
		return URLParts{}, fmt.Errorf("resource URL %q has no scheme; it must be fully qualified (e.g. hdfs://namenode:8020/path)", uri)
	}
	if u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return URLParts{}, fmt.Errorf("resource URL %q has no absolute path", uri)
	}
	p := URLParts{Scheme: u.Scheme, Port: -1, File: u.Path}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	p.Host = host
	if ps := u.Port(); ps != "" {
		n, err := strconv.ParseUint(ps, 10, 16)
		if err != nil {
			return URLParts{}, fmt.Errorf("resource URL %q: invalid port %q", uri, ps)
		}
		p.Port = int32(n)
	}
	if u.Fragment != "" {
		p.File += "#" + u.Fragment
	}
	if u.User != nil {
		p.UserInfo = u.User.String()
	}
	return p, nil
}
