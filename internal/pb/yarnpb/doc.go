// Package yarnpb is generated Go code for Hadoop YARN's protobuf messages
// (proto package spindle.hadoop.yarn): the shared records of yarn_protos,
// the request/response messages of yarn_service_protos
// (ApplicationClientProtocol, ApplicationMasterProtocol,
// ContainerManagementProtocol, ...) and the token identifiers of
// yarn_security_token. See package pb for how it is generated.
package yarnpb
