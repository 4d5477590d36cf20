package client

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/spindle-yarn/spindle/container"
	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/spec"
	"github.com/spindle-yarn/spindle/internal/staging"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// viewerPerm is the permission of the viewer file: the owner's only.
const viewerPerm = 0o600

// maxViewerFile bounds what is read of a viewer file.
const maxViewerFile = 4 << 10

// writeViewer writes the viewer file (spec.ViewerFileName) into the staging
// directory: what lets the owner's other processes read the running
// application from its AM (`spindle logs --follow`).
func writeViewer(ctx context.Context, fsys staging.FS, dir string, app *Application) error {
	b, err := spec.Viewer{Secret: spec.ViewerSecret(app.Secret), AMPubKeySHA256: app.AMPubKeySHA256}.Marshal()
	if err != nil {
		return err
	}
	p := path.Join(dir, spec.ViewerFileName)
	if _, err := fsys.Create(ctx, bytes.NewReader(b), p, viewerPerm); err != nil {
		return fmt.Errorf("write %s: %w", fsys.URL(p), err)
	}
	return nil
}

// viewerClient connects to the running application's AM API as a viewer,
// with the viewer file from the application's staging directory in the
// default place (an application staged elsewhere, with --staging-dir, is
// not found: its logs are followed from the NodeManagers).
func (c *Cluster) viewerClient(ctx context.Context, app yarn.ApplicationID, rep *yarnpb.ApplicationReportProto) (*container.Client, error) {
	r := reportFromProto(rep)
	hostPort, ok := r.amAddress()
	if !ok {
		return nil, fmt.Errorf("%s has no ApplicationMaster API address (state %s)", app, r.State)
	}
	dir, err := c.defaultStagingDir(ctx, fromYARN(app))
	if err != nil {
		return nil, fmt.Errorf("find the staging directory of %s: %w", app, err)
	}
	u, err := url.Parse(strings.TrimRight(dir, "/") + "/" + spec.ViewerFileName)
	if err != nil {
		return nil, fmt.Errorf("the viewer file of %s: %w", app, err)
	}
	fsys, err := c.openStaging(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("open the staging filesystem: %w", err)
	}
	defer fsys.Close()
	b, err := fsys.ReadFile(ctx, u.Path, maxViewerFile)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", u, err)
	}
	v, err := spec.ParseViewer(b)
	if err != nil {
		return nil, err
	}
	return container.Connect(container.Env{AppID: app.String(), AMURL: amURL(hostPort, v.AMPubKeySHA256),
		Secret: v.Secret, AMPubKeySHA256: v.AMPubKeySHA256})
}
