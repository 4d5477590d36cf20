package container

import (
	"errors"
	"fmt"
	"net/url"
	"os"
)

// Names of the environment variables Spindle sets for drivers and executors.
const (
	// EnvRole is "driver" or "executor" (RoleDriver, RoleExecutor).
	EnvRole = "SPINDLE_ROLE"
	// EnvAppID is the YARN application id.
	EnvAppID = "SPINDLE_APP_ID"
	// EnvExecutorID is the executor's id, "1", "2", ...; set for executors
	// only.
	EnvExecutorID = "SPINDLE_EXECUTOR_ID"
	// EnvAMURL is the base URL of the ApplicationMaster's HTTP API:
	// "https://host:port" on YARN (see EnvAMPubKeySHA256), "http://host:port"
	// in local mode.
	EnvAMURL = "SPINDLE_AM_URL"
	// EnvSecret is the per-application secret that authenticates requests to
	// the ApplicationMaster's HTTP API.
	EnvSecret = "SPINDLE_SECRET"
)

// Values of EnvRole.
const (
	// RoleDriver is the role of the application's single driver process.
	RoleDriver = "driver"
	// RoleExecutor is the role of each executor process.
	RoleExecutor = "executor"
)

// ErrNotUnderSpindle is returned (possibly wrapped) by CurrentEnv,
// EnvFromLookup, Env.Validate, Connect and FromEnv when SPINDLE_AM_URL is not
// set, which means the program was not started by Spindle. Programs that can also run on their
// own may check for it with errors.Is.
var ErrNotUnderSpindle = errors.New("SPINDLE_AM_URL is not set: run this program with `spindle submit`")

// Env is the environment contract between Spindle and the programs it runs.
// Its String method hides Secret, so an Env may be printed or logged.
type Env struct {
	// Role is RoleDriver or RoleExecutor.
	Role string
	// AppID is the YARN application id.
	AppID string
	// ExecutorID is the executor's id; empty for the driver.
	ExecutorID string
	// AMURL is the base URL of the ApplicationMaster's HTTP API.
	AMURL string
	// Secret authenticates requests to the ApplicationMaster.
	Secret string
	// AMPubKeySHA256 pins the ApplicationMaster's TLS certificate when AMURL
	// is https (see EnvAMPubKeySHA256); empty for plain http.
	AMPubKeySHA256 string
}

// CurrentEnv reads the Spindle environment of the current process. See
// EnvFromLookup for what it checks.
func CurrentEnv() (Env, error) {
	return EnvFromLookup(os.LookupEnv)
}

// EnvFromLookup reads the Spindle environment through lookup, which behaves
// like os.LookupEnv. It fails with ErrNotUnderSpindle if SPINDLE_AM_URL is
// unset or empty, and with a message naming the variable if another one is
// missing or malformed: every variable but SPINDLE_EXECUTOR_ID is required,
// and that one is required for executors.
func EnvFromLookup(lookup func(string) (string, bool)) (Env, error) {
	if lookup == nil {
		return Env{}, errors.New("reading the Spindle environment: lookup function is nil")
	}
	get := func(name string) string {
		v, _ := lookup(name)
		return v
	}
	e := Env{
		Role:       get(EnvRole),
		AppID:      get(EnvAppID),
		ExecutorID: get(EnvExecutorID),
		AMURL:      get(EnvAMURL),
		Secret:     get(EnvSecret),

		AMPubKeySHA256: get(EnvAMPubKeySHA256),
	}
	if e.AMURL == "" {
		return Env{}, ErrNotUnderSpindle
	}
	if err := e.Validate(); err != nil {
		return Env{}, err
	}
	return e, nil
}

// Validate checks that e is a complete driver or executor environment: a
// known Role, an AppID, an http(s) AMURL, a Secret, an ExecutorID for
// executors, and a valid AMPubKeySHA256 exactly when AMURL is https.
func (e Env) Validate() error {
	if e.AMURL == "" {
		return ErrNotUnderSpindle
	}
	if err := checkAMURL(e.AMURL); err != nil {
		return err
	}
	if err := e.checkTransport(); err != nil {
		return err
	}
	if e.Secret == "" {
		return fmt.Errorf("invalid Spindle environment: %s is not set (the spindle launcher sets it from the container's credentials)", EnvSecret)
	}
	switch e.Role {
	case RoleDriver:
	case RoleExecutor:
		if e.ExecutorID == "" {
			return fmt.Errorf("invalid Spindle environment: %s is not set although %s=%s", EnvExecutorID, EnvRole, RoleExecutor)
		}
	case "":
		return fmt.Errorf("invalid Spindle environment: %s is not set", EnvRole)
	default:
		return fmt.Errorf("invalid Spindle environment: %s=%q, want %q or %q", EnvRole, e.Role, RoleDriver, RoleExecutor)
	}
	if e.AppID == "" {
		return fmt.Errorf("invalid Spindle environment: %s is not set", EnvAppID)
	}
	return nil
}

// checkAMURL reports whether s is an absolute http or https URL with a host
// and nothing after the path.
func checkAMURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("invalid Spindle environment: %s=%q is not a URL: %w", EnvAMURL, s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("invalid Spindle environment: %s=%q must start with http:// or https://", EnvAMURL, s)
	}
	if u.Host == "" {
		return fmt.Errorf("invalid Spindle environment: %s=%q has no host", EnvAMURL, s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("invalid Spindle environment: %s=%q must not contain user info, a query or a fragment", EnvAMURL, s)
	}
	return nil
}

// Vars returns the environment variables that describe e, for setting in a
// container's launch context or a child process. Empty fields are left out.
func (e Env) Vars() map[string]string {
	m := make(map[string]string, 6)
	for _, kv := range [...]struct{ k, v string }{
		{EnvRole, e.Role},
		{EnvAppID, e.AppID},
		{EnvExecutorID, e.ExecutorID},
		{EnvAMURL, e.AMURL},
		{EnvSecret, e.Secret},
		{EnvAMPubKeySHA256, e.AMPubKeySHA256},
	} {
		if kv.v != "" {
			m[kv.k] = kv.v
		}
	}
	return m
}

// String describes e with the secret redacted.
func (e Env) String() string {
	secret := ""
	if e.Secret != "" {
		secret = "<redacted>"
	}
	pin := ""
	if e.AMPubKeySHA256 != "" {
		pin = " AMPubKeySHA256:" + e.AMPubKeySHA256
	}
	return fmt.Sprintf("{Role:%s AppID:%s ExecutorID:%s AMURL:%s Secret:%s%s}", e.Role, e.AppID, e.ExecutorID, e.AMURL, secret, pin)
}

// GoString is like String, so that %#v does not print the secret either.
func (e Env) GoString() string {
	return "container.Env" + e.String()
}
