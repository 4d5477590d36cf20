// Package spec holds the records the spindle client hands to its
// ApplicationMaster in cluster mode: the application description written as
// spindle-spec.json into the staging directory, and the LocalResources
// (Resource) that YARN localizes into every container.
//
// Everything here is plain data with JSON tags; nothing in this package does
// I/O. The client fills the records in, the AM reads them back and turns them
// into YARN protocol messages.
package spec
