package hdfsnn

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/pb/hdfspb"
)

// FileInfo is the status of a file or directory (HdfsFileStatusProto).
type FileInfo struct {
	// Path is the absolute path that was asked about.
	Path string
	// Dir, Symlink tell the file type; neither means a regular file.
	Dir, Symlink bool
	// Length is the file size in bytes (0 for directories).
	Length int64
	// Perm is the permission bits (including sticky, setuid/setgid).
	Perm fs.FileMode
	// Owner and Group own the file.
	Owner, Group string
	// ModTime is the modification time (millisecond precision).
	ModTime time.Time
	// Children is the number of entries of a directory (-1 if unknown).
	Children int
}

// checkPath refuses relative paths: the NameNode resolves only absolute
// ones.
func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("hdfsnn: path %q is not absolute (want /user/...; strip any hdfs://authority)", p)
	}
	return nil
}

// Stat returns the status of p (getFileInfo). A missing path is an error
// matching fs.ErrNotExist.
func (n *NameNode) Stat(ctx context.Context, p string) (*FileInfo, error) {
	if err := checkPath(p); err != nil {
		return nil, err
	}
	var resp hdfspb.GetFileInfoResponseProto
	if err := n.call(ctx, "getFileInfo", &hdfspb.GetFileInfoRequestProto{Src: proto.String(p)}, &resp); err != nil {
		return nil, err
	}
	st := resp.GetFs()
	if st == nil {
		return nil, &fs.PathError{Op: "stat", Path: p, Err: fs.ErrNotExist}
	}
	return &FileInfo{
		Path:     p,
		Dir:      st.GetFileType() == hdfspb.HdfsFileStatusProto_IS_DIR,
		Symlink:  st.GetFileType() == hdfspb.HdfsFileStatusProto_IS_SYMLINK,
		Length:   int64(st.GetLength()),
		Perm:     hadoopPerm(st.GetPermission().GetPerm()),
		Owner:    st.GetOwner(),
		Group:    st.GetGroup(),
		ModTime:  time.UnixMilli(int64(st.GetModificationTime())),
		Children: int(st.GetChildrenNum()),
	}, nil
}

// hadoopPerm converts Hadoop's 16-bit permission to an fs.FileMode.
func hadoopPerm(p uint32) fs.FileMode {
	m := fs.FileMode(p & 0o777)
	if p&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// Mkdirs creates directory p with permission perm (before the NameNode's
// umask, fs.permissions.umask-mode), and with createParent its missing
// parents too. An existing directory is not an error.
func (n *NameNode) Mkdirs(ctx context.Context, p string, perm fs.FileMode, createParent bool) error {
	if err := checkPath(p); err != nil {
		return err
	}
	bits := uint32(perm.Perm())
	if perm&fs.ModeSticky != 0 {
		bits |= 0o1000
	}
	req := &hdfspb.MkdirsRequestProto{
		Src:          proto.String(path.Clean(p)),
		Masked:       &hdfspb.FsPermissionProto{Perm: proto.Uint32(bits)},
		CreateParent: proto.Bool(createParent),
	}
	var resp hdfspb.MkdirsResponseProto
	if err := n.call(ctx, "mkdirs", req, &resp); err != nil {
		return err
	}
	if !resp.GetResult() {
		return fmt.Errorf("hdfsnn: mkdirs %s: the NameNode reported failure", p)
	}
	return nil
}

// Delete removes p (with recursive, a directory and everything in it). It
// reports whether something was deleted; a missing path is not an error.
// Deleting "/" is refused.
func (n *NameNode) Delete(ctx context.Context, p string, recursive bool) (bool, error) {
	if err := checkPath(p); err != nil {
		return false, err
	}
	if path.Clean(p) == "/" {
		return false, errors.New("hdfsnn: refusing to delete /")
	}
	req := &hdfspb.DeleteRequestProto{Src: proto.String(path.Clean(p)), Recursive: proto.Bool(recursive)}
	var resp hdfspb.DeleteResponseProto
	if err := n.call(ctx, "delete", req, &resp); err != nil {
		return false, err
	}
	return resp.GetResult(), nil
}
