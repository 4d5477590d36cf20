package spec

import "strings"

// EnvAMAddressFile is set in YARN executor containers to the URI of the file
// in the staging directory where every AM attempt publishes its API address
// (one line, "http://host:port"). The executor launcher serves the API to its
// executor through a local proxy and reads this file when the AM it knew
// stops answering, so that executors kept across AM attempts follow the new
// one without a restart.
const EnvAMAddressFile = "SPINDLE_AM_ADDRESS_FILE"

// AddressFileName is the address file's name in the staging directory.
const AddressFileName = "am-address"

// AddressFileURI is the address file of the staging directory stagingDir (a URI).
func AddressFileURI(stagingDir string) string {
	return strings.TrimRight(stagingDir, "/") + "/" + AddressFileName
}
