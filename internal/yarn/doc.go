// Package yarn provides small typed Go clients for the three YARN RPC
// protocols, built on the internal/ipc Hadoop IPC client:
//
//   - ResourceManager: ApplicationClientProtocol (submit, monitor and kill
//     applications; cluster, node and queue information), with
//     ResourceManager HA failover.
//   - Scheduler: ApplicationMasterProtocol, used by an ApplicationMaster to
//     register, heartbeat (allocate) and unregister, authenticated with the
//     AMRM token; handles response ids, AMRM token roll-over, NM tokens and
//     re-registration.
//   - NodeManagers: ContainerManagementProtocol (start, stop and query
//     containers), authenticated with per-node NM tokens from an
//     NMTokenCache.
//
// Calls to the ResourceManager ride out outages (restarts, fail-overs) under
// a RetryPolicy: RetryPolicyFromConf builds Hadoop's from the configuration
// (yarn.resourcemanager.connect.max-wait.ms and friends), and an Observer
// hears once when the ResourceManager becomes unreachable and once when it
// is back (WithRetryPolicy, WithObserver).
//
// It also holds the YARN id types (ApplicationID, AttemptID, ContainerID)
// with their canonical string forms, and the special container exit
// statuses.
//
// None of the clients talks to the network directly: they take a Caller,
// which *ipc.Client implements, so they can be tested with fakes.
package yarn

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/spindle-yarn/spindle/internal/ipc"
)

// Protocol names as sent in Hadoop IPC request headers and connection
// contexts.
const (
	// ApplicationClientProtocol is the protocol clients speak to the
	// ResourceManager's client port (yarn.resourcemanager.address).
	ApplicationClientProtocol = "org.apache.hadoop.yarn.api.ApplicationClientProtocolPB"
	// ApplicationMasterProtocol is the protocol ApplicationMasters speak to
	// the ResourceManager's scheduler port
	// (yarn.resourcemanager.scheduler.address).
	ApplicationMasterProtocol = "org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB"
	// ContainerManagementProtocol is the protocol ApplicationMasters speak
	// to NodeManagers' RPC port (the NodeId of allocated containers).
	ContainerManagementProtocol = "org.apache.hadoop.yarn.api.ContainerManagementProtocolPB"
)

// Caller performs one Hadoop IPC call. *ipc.Client implements it: tok nil
// means SIMPLE authentication, otherwise SASL TOKEN authentication with tok.
type Caller interface {
	Call(ctx context.Context, addr, protocol, method string, tok *ipc.Token, req, resp proto.Message) error
}

// Compile-time check that the real IPC client satisfies Caller.
var _ Caller = (*ipc.Client)(nil)
