// Package client is the submitting side of Spindle: it resolves a submission's options,
// checks them against the cluster, stages the application's files on the cluster's
// filesystem, asks the ResourceManager for an ApplicationMaster, and follows the
// application to its end.
package client
