package spec

// Link names of the Kerberos files the client ships to the ApplicationMaster
// only (never to executors), as PRIVATE resources.
const (
	// KeytabLink is the keytab of --principal/--keytab, staged with mode 0600
	// and deleted with the staging directory.
	KeytabLink = "__spindle__.keytab"
	// KRB5ConfLink is the client's krb5.conf, shipped with the keytab so
	// that the AM can reach the KDC to log in again.
	KRB5ConfLink = "__spindle_krb5__.conf"
)

// Environment of drivers and executors on a secured cluster whose
// credentials the AM refreshes.
const (
	// EnvCredentialsRefresh, set to "1" in executor containers, makes the
	// executor launcher stay in front of the executor command and rewrite
	// the container's credentials file (HADOOP_TOKEN_FILE_LOCATION) in place
	// whenever the AM announces new credentials.
	EnvCredentialsRefresh = "SPINDLE_CREDENTIALS_REFRESH"
	// DriverTokensFile is the cluster-mode driver's credentials file in the
	// AM container's working directory: the AM's credentials without the
	// AMRM token, rewritten atomically when they are refreshed.
	DriverTokensFile = "spindle-driver.tokens"
)

// Kerberos is what the AM needs to know about a secured cluster.
type Kerberos struct {
	// Principal is the keytab's principal; empty when no keytab was shipped
	// (the tokens then live until their maximum lifetime).
	Principal string `json:"principal,omitempty"`
	// Filesystems are the hdfs:// URIs besides fs.defaultFS the application
	// has delegation tokens for (spindle.kerberos.access.hadoopFileSystems).
	Filesystems []string `json:"filesystems,omitempty"`
	// RenewalInterval, if set, is how often the AM obtains new tokens
	// (spindle.kerberos.renewal.interval); otherwise 75% of their renewal
	// period.
	RenewalInterval Duration `json:"renewalInterval,omitempty"`
}

// Refreshes reports whether the AM refreshes the application's tokens.
func (k *Kerberos) Refreshes() bool { return k != nil && k.Principal != "" }
