// Package container is what runs inside YARN containers: the environment
// contract, credentials files, and the SDK for drivers and executors.
package container
