// Package am is Spindle's ApplicationMaster: the process YARN starts first for every
// application. It registers with the ResourceManager, runs the driver (cluster mode) or
// watches it (client mode), requests and launches executors on NodeManagers, replaces
// failed ones within a failure budget, serves the HTTP API drivers and executors use,
// and unregisters with the application's outcome.
package am
