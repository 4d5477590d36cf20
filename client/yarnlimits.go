package client

import (
	"net/url"
	"path"
	"strings"
)

// YARN's limits on application tags (YarnConfiguration.APPLICATION_MAX_TAGS
// and APPLICATION_MAX_TAG_LENGTH); the RM refuses a submission over them.
const (
	maxTags      = 10
	maxTagLength = 100
)

// checkTags refuses what the ResourceManager would: too many tags, a tag too
// long, or one with non-ASCII characters.
func (r *resolver) checkTags(tags []string) {
	if len(tags) > maxTags {
		r.bad("tags", KeyTags, "%d tags: YARN allows at most %d", len(tags), maxTags)
	}
	for _, t := range tags {
		if len(t) > maxTagLength {
			r.bad("tags", KeyTags, "the tag %.20q... is %d characters long: YARN allows at most %d", t, len(t), maxTagLength)
		}
		for _, c := range t {
			if c > 127 {
				r.bad("tags", KeyTags, "the tag %q has non-ASCII characters, which YARN refuses", t)
				break
			}
		}
	}
}

// stagingLocation splits spindle.yarn.stagingDir (a path on fs.defaultFS,
// or a URI such as hdfs://nn:8020/tmp/staging, as Spark's
// spark.yarn.stagingDir takes) into the filesystem to open (nil:
// fs.defaultFS) and the directory's path on it; ok is false when it is
// neither an absolute path nor a URI with one.
func stagingLocation(v string) (fsURI *url.URL, dir string, ok bool) {
	if !strings.Contains(v, "://") {
		return nil, v, path.IsAbs(v)
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || !path.IsAbs(u.Path) {
		return nil, "", false
	}
	dir = u.Path
	if u.Host == "" {
		return nil, dir, true // hdfs:///path: fs.defaultFS's
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}, dir, true
}
