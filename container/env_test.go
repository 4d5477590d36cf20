package container

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// lookupMap returns an os.LookupEnv stand-in backed by m.
func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func validExecutorVars() map[string]string {
	return map[string]string{
		EnvRole:       RoleExecutor,
		EnvAppID:      "application_1700000000000_0001",
		EnvExecutorID: "3",
		EnvAMURL:      "http://am.example:40123",
		EnvSecret:     "s3cr3t",
	}
}

func TestEnvFromLookup(t *testing.T) {
	env, err := EnvFromLookup(lookupMap(validExecutorVars()))
	if err != nil {
		t.Fatal(err)
	}
	want := Env{Role: RoleExecutor, AppID: "application_1700000000000_0001", ExecutorID: "3", AMURL: "http://am.example:40123", Secret: "s3cr3t"}
	if env != want {
		t.Errorf("env = %#v, want %#v", env, want)
	}
	if got := env.Vars(); fmt.Sprint(got) != fmt.Sprint(validExecutorVars()) {
		t.Errorf("Vars() = %v", got)
	}

	driver := validExecutorVars()
	driver[EnvRole] = RoleDriver
	delete(driver, EnvExecutorID)
	env, err = EnvFromLookup(lookupMap(driver))
	if err != nil || env.Role != RoleDriver || env.ExecutorID != "" {
		t.Errorf("driver env = %v, %v", env, err)
	}
	if _, ok := env.Vars()[EnvExecutorID]; ok {
		t.Errorf("Vars() of a driver sets %s", EnvExecutorID)
	}
	driver[EnvAMURL] = "https://am.example:8443/"
	driver[EnvAMPubKeySHA256] = testPin
	env, err = EnvFromLookup(lookupMap(driver))
	if err != nil || env.AMPubKeySHA256 != testPin {
		t.Errorf("https AM URL with a pin: %v, %v", env, err)
	}
	if got := env.Vars()[EnvAMPubKeySHA256]; got != testPin {
		t.Errorf("Vars()[%s] = %q", EnvAMPubKeySHA256, got)
	}
}

func TestEnvNotUnderSpindle(t *testing.T) {
	for _, m := range []map[string]string{
		{},
		{EnvAMURL: ""},
		{EnvRole: RoleDriver, EnvSecret: "x"},
	} {
		_, err := EnvFromLookup(lookupMap(m))
		if !errors.Is(err, ErrNotUnderSpindle) {
			t.Errorf("EnvFromLookup(%v) = %v, want ErrNotUnderSpindle", m, err)
		}
	}
	const want = "SPINDLE_AM_URL is not set: run this program with `spindle submit`"
	if ErrNotUnderSpindle.Error() != want {
		t.Errorf("message %q, want %q", ErrNotUnderSpindle, want)
	}
	if _, err := EnvFromLookup(nil); err == nil {
		t.Error("EnvFromLookup(nil) succeeded")
	}
}

func TestEnvInvalid(t *testing.T) {
	for _, c := range []struct {
		name, key, value, wantInErr string
	}{
		{"no secret", EnvSecret, "", EnvSecret},
		{"no role", EnvRole, "", EnvRole},
		{"bad role", EnvRole, "worker", "worker"},
		{"no app id", EnvAppID, "", EnvAppID},
		{"executor without id", EnvExecutorID, "", EnvExecutorID},
		{"not a URL", EnvAMURL, "http://[::1", EnvAMURL},
		{"no scheme", EnvAMURL, "am.example:4000", "http"},
		{"ftp", EnvAMURL, "ftp://am.example", "http"},
		{"no host", EnvAMURL, "http:///path", "no host"},
		{"query", EnvAMURL, "http://am:1/?x=1", "query"},
		{"user info", EnvAMURL, "http://u:p@am:1", "user info"},
		{"https without a pin", EnvAMURL, "https://am:1", EnvAMPubKeySHA256},
		{"a pin with plain http", EnvAMPubKeySHA256, testPin, "plain HTTP"},
	} {
		m := validExecutorVars()
		if c.value == "" {
			delete(m, c.key)
		} else {
			m[c.key] = c.value
		}
		_, err := EnvFromLookup(lookupMap(m))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.wantInErr) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.wantInErr)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: error %q contains the secret", c.name, err)
		}
	}
}

func TestEnvStringHidesSecret(t *testing.T) {
	env := Env{Role: RoleDriver, AppID: "app", AMURL: "http://am:1", Secret: "s3cr3t"}
	for _, s := range []string{env.String(), fmt.Sprint(env), fmt.Sprintf("%v %+v %#v %s", env, env, env, env), fmt.Sprint(&env)} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("%q shows the secret", s)
		}
		if !strings.Contains(s, "http://am:1") {
			t.Errorf("%q lacks the AM URL", s)
		}
	}
	if s := (Env{}).String(); strings.Contains(s, "redacted") {
		t.Errorf("empty env %q claims a redacted secret", s)
	}
}

func TestCurrentEnv(t *testing.T) {
	for k, v := range validExecutorVars() {
		t.Setenv(k, v)
	}
	env, err := CurrentEnv()
	if err != nil || env.ExecutorID != "3" {
		t.Errorf("CurrentEnv() = %v, %v", env, err)
	}
	t.Setenv(EnvAMURL, "")
	if _, err := CurrentEnv(); !errors.Is(err, ErrNotUnderSpindle) {
		t.Errorf("CurrentEnv() without AM URL = %v", err)
	}
}
