// Package spec is the contract between the spindle client and its
// ApplicationMaster, and between both and the processes they start: the one
// place that says what goes into a container.
//
//   - the application description the client writes as spindle-spec.json into
//     the staging directory and the AM reads back (App, Read);
//   - the LocalResources YARN localizes into every container (Resource);
//   - the link names Spindle itself ships (BinaryLink, ConfLink, FileName);
//   - the commands of the AM and executor containers (AMCommand,
//     ExecutorCommand, AgentCommand) and the environment of every role in
//     every mode (AMEnv, RoleEnv), including HADOOP_CONF_DIR;
//   - the mode (cluster, client, local) and the API secrets (NewSecret,
//     ExecutorSecret and the credentials aliases they travel under).
//
// A change to how processes are started, what they are told or where they
// find their files belongs here; the client, the AM and local mode only call it.
package spec
