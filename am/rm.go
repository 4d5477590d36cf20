package am

import (
	"context"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
)

// scheduler is the part of the ResourceManager's ApplicationMasterProtocol the AM loop uses.
type scheduler interface {
	// Allocate sends asks and releases and returns the RM's answer. resync is true when
	// the RM lost our registration and the full ask table must be sent again.
	Allocate(ctx context.Context, asks []*yarnpb.ResourceRequestProto, releases []*yarnpb.ContainerIdProto, progress float32) (resp *yarnpb.AllocateResponseProto, resync bool, err error)
	// Finish unregisters with the final status.
	Finish(ctx context.Context, status yarnpb.FinalApplicationStatusProto, diagnostics, trackingURL string) error
}

// nodeManagers starts and stops containers on NodeManagers.
type nodeManagers interface {
	Start(ctx context.Context, c *yarnpb.ContainerProto, clc *yarnpb.ContainerLaunchContextProto) error
	Stop(ctx context.Context, c *yarnpb.ContainerProto) error
}
