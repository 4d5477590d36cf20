// Package logs reads the container logs of YARN applications, for
// `spindle logs` (the equivalent of `yarn logs -applicationId`).
//
// Logs live in two places during an application's life:
//
//   - While it runs, each NodeManager keeps its containers' log files
//     (stdout, stderr, launch_container.sh, ...) on local disk and serves
//     them through its REST API (NMWebServices, /ws/v1/node/containers/...).
//     NMClient reads them; Fetcher finds the containers through the
//     ResourceManager (getApplicationAttempts, getContainers: the live
//     containers) and the NodeManagers' container lists (which also hold the
//     containers that already ended).
//   - Once it has finished, with log aggregation on (yarn.log-aggregation-enable),
//     every NodeManager uploads one file per application to
//     ${yarn.nodemanager.remote-app-log-dir}/<user>/<suffix>/<app>/<host>_<port>
//     (see AppLogDirs for the layouts of the Hadoop versions) and forgets the
//     containers. The file is a TFile (Hadoop's block-compressed key/value
//     container, compression "none" or "gz") holding YARN's
//     AggregatedLogFormat; ReadAggregated reads it. The IndexedFormat
//     (yarn.log-aggregation.file-formats=IndexedFormat) is recognized and
//     reported as unsupported.
//   - While it runs, Follow streams the containers' stdout and stderr from
//     the application's ApplicationMaster instead (Fetcher.AM; amfollow.go),
//     which reads its own files and relays the executors' from their
//     launchers; the NodeManagers are asked only before and after.
//
// The aggregated files are read from file:// directly and from hdfs:// with
// github.com/colinmarc/hdfs/v2 (SIMPLE authentication).
package logs
