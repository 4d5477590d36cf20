package krb

import (
	"os"
	"strings"

	"github.com/jcmturner/gokrb5/v8/config"
)

// DefaultConfigPath is the Kerberos configuration read when KRB5_CONFIG is
// not set.
const DefaultConfigPath = "/etc/krb5.conf"

// configPath returns the krb5.conf to read: explicit, else the first
// existing file of KRB5_CONFIG (a colon-separated list, as in MIT
// Kerberos), else DefaultConfigPath.
func configPath(explicit string, getenv func(string) string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	env := getenv("KRB5_CONFIG")
	if env == "" {
		return DefaultConfigPath, nil
	}
	var tried []string
	for _, p := range strings.Split(env, ":") {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", newError(KindConfig, nil, "KRB5_CONFIG=%s names no readable file (tried %s): point it at the realm's krb5.conf", env, strings.Join(tried, ", "))
}

// LoadConfig reads the Kerberos configuration from path, or, if path is
// empty, from KRB5_CONFIG or DefaultConfigPath (getenv nil means os.Getenv).
func LoadConfig(path string, getenv func(string) string) (*config.Config, string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	p, err := configPath(path, getenv)
	if err != nil {
		return nil, "", err
	}
	if _, err := os.Stat(p); err != nil {
		return nil, p, newError(KindConfig, err, "cannot read the Kerberos configuration %s: install the realm's krb5.conf there or set KRB5_CONFIG", p)
	}
	cfg, err := config.Load(p)
	if err != nil {
		// gokrb5 returns the configuration it could parse together with an
		// UnsupportedDirective error for directives it does not know; those
		// are harmless.
		if _, ok := err.(config.UnsupportedDirective); !ok || cfg == nil {
			return nil, p, newError(KindConfig, err, "cannot parse the Kerberos configuration %s: %s", p, firstLine(err.Error()))
		}
	}
	return cfg, p, nil
}

// defaultRealm returns the configured default realm or an error naming the
// fix.
func defaultRealm(cfg *config.Config, path string) (string, error) {
	if r := cfg.LibDefaults.DefaultRealm; r != "" {
		return r, nil
	}
	return "", newError(KindConfig, nil, "%s sets no default_realm: add it under [libdefaults] or give principals with @REALM", path)
}
