package am

import (
	"context"
	"errors"

	"github.com/spindle-yarn/spindle/internal/pb/yarnpb"
	"github.com/spindle-yarn/spindle/internal/yarn"
)

// scheduler is the part of the ResourceManager's ApplicationMasterProtocol the AM
// uses; *yarn.Scheduler implements it.
type scheduler interface {
	AllocateExcluding(ctx context.Context, asks []*yarnpb.ResourceRequestProto, releases []yarn.ContainerID, ex yarn.Exclusions, progress float32) (*yarn.AllocateResult, error)
	Finish(ctx context.Context, status yarnpb.FinalApplicationStatusProto, diagnostics, trackingURL string) error
}

// nodeManagers starts and stops single containers on NodeManagers.
type nodeManagers interface {
	Start(ctx context.Context, c *yarnpb.ContainerProto, clc *yarnpb.ContainerLaunchContextProto) error
	Stop(ctx context.Context, c *yarnpb.ContainerProto) error
}

// yarnNMs adapts *yarn.NodeManagers to nodeManagers.
type yarnNMs struct{ nms *yarn.NodeManagers }

func (y yarnNMs) Start(ctx context.Context, c *yarnpb.ContainerProto, clc *yarnpb.ContainerLaunchContextProto) error {
	node := yarn.NodeAddress(c.GetNodeId())
	req := &yarnpb.StartContainerRequestProto{ContainerLaunchContext: clc, ContainerToken: c.GetContainerToken()}
	res, err := y.nms.StartContainers(ctx, node, []*yarnpb.StartContainerRequestProto{req})
	if err != nil {
		return err
	}
	return firstFailure(res)
}

func (y yarnNMs) Stop(ctx context.Context, c *yarnpb.ContainerProto) error {
	res, err := y.nms.StopContainers(ctx, yarn.NodeAddress(c.GetNodeId()), yarn.ContainerIDFromProto(c.GetId()))
	if err != nil {
		return err
	}
	return firstFailure(res)
}

func firstFailure(res *yarn.ContainerResults) error {
	for _, err := range res.Failed {
		return err
	}
	if len(res.Succeeded) == 0 {
		return errors.New("the NodeManager reported neither success nor failure")
	}
	return nil
}
