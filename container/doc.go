// Package container is the SDK for the programs Spindle runs as drivers and
// executors: the environment contract they read (Env, CurrentEnv) and a client
// for the ApplicationMaster's HTTP API (Client: the key-value store, the
// executor list, scaling). The shell agent is in container/agent.
package container
