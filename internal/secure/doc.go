// Package secure is the one place that owns Spindle's credentials on a
// secured (Kerberos) cluster, from the submitting client to the containers:
//
//   - who the client is: Login turns hadoop.security.authentication and the
//     --principal/--keytab/--proxy-user options into an Identity, and
//     Identity.IPC builds the Hadoop IPC client every ResourceManager and
//     NameNode call of the client goes through (SASL GSSAPI with the server
//     principals from yarn.resourcemanager.principal and
//     dfs.namenode.kerberos.principal, the qop from hadoop.rpc.protection,
//     impersonation);
//   - what the application gets: Obtain fetches the HDFS delegation tokens
//     (fs.defaultFS and spindle.kerberos.access.hadoopFileSystems) and the
//     ResourceManager delegation token that go into the AM's
//     ContainerLaunchContext, with the ResourceManager as renewer;
//   - how it lives long: Refresher, in the ApplicationMaster, logs in again
//     from the shipped keytab before the tokens expire, obtains fresh HDFS
//     tokens and publishes new credentials (a version number and the
//     bytes of a Hadoop credentials file) for the driver and the executors;
//   - errors users can act on: *Error (impersonation refused, token renewer
//     rejected) next to the *krb.Error kinds of package internal/krb.
//
// Inside YARN nothing uses Kerberos: the containers authenticate with the
// tokens of their credentials file (HADOOP_TOKEN_FILE_LOCATION).
package secure
