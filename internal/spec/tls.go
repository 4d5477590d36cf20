package spec

// Aliases of the AM API's TLS identity in Hadoop credentials
// (ContainerLaunchContext.tokens). The client generates both for each
// application (internal/amtls) and only the AM container gets them: executor
// containers and the driver get the certificate's pin in
// SPINDLE_AM_PUBKEY_SHA256 instead.
const (
	// AMTLSKeyAlias carries the private key, PKCS #8 DER.
	AMTLSKeyAlias = "spindle.am.tls.key"
	// AMTLSCertAlias carries the self-signed certificate, DER.
	AMTLSCertAlias = "spindle.am.tls.cert"
)
