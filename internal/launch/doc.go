// Package launch builds YARN ContainerLaunchContexts: local resources, environment,
// the shell command line and the credentials blob. The client uses it for the
// ApplicationMaster's container and the ApplicationMaster for executors.
package launch
