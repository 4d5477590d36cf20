package krb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/spindle-yarn/spindle/hadoopconf"
)

func TestServerPrincipal(t *testing.T) {
	for _, c := range []struct{ pattern, host, realm, want string }{
		{"rm/_HOST@EXAMPLE.COM", "RM1.Example.com", "OTHER", "rm/rm1.example.com@EXAMPLE.COM"},
		{"rm/_HOST", "rm1.example.com.", "EXAMPLE.COM", "rm/rm1.example.com@EXAMPLE.COM"},
		{"nn/fixed.host@R", "other", "X", "nn/fixed.host@R"},
		{"rm@R", "h", "X", "rm@R"},
		{"a/_HOST/b@R", "h", "X", "a/_HOST/b@R"}, // not service/_HOST: left alone, as Hadoop does
	} {
		got, err := ServerPrincipal(c.pattern, c.host, c.realm)
		if err != nil || got != c.want {
			t.Errorf("ServerPrincipal(%q, %q, %q) = %q, %v; want %q", c.pattern, c.host, c.realm, got, err, c.want)
		}
	}
	for _, c := range [][3]string{{"", "h", "R"}, {"rm/_HOST@R", "", "R"}, {"rm/_HOST", "h", ""}} {
		if _, err := ServerPrincipal(c[0], c[1], c[2]); KindOf(err) != KindConfig {
			t.Errorf("ServerPrincipal%q: error %v, want KindConfig", c, err)
		}
	}
}

func TestHostForPrincipal(t *testing.T) {
	if got := HostForPrincipal(t.Context(), "NN1.Example.COM:8020"); got != "nn1.example.com" {
		t.Errorf("got %q", got)
	}
	// 127.0.0.1 reverse-resolves to localhost on Linux (/etc/hosts).
	if got := HostForPrincipal(t.Context(), "127.0.0.1:8020"); got != "localhost" && got != "127.0.0.1" {
		t.Errorf("127.0.0.1 -> %q", got)
	}
}

func TestCachePath(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "KRB5CCNAME" {
				return v
			}
			return ""
		}
	}
	for in, want := range map[string]string{
		"FILE:/run/cc": "/run/cc", "/run/cc2": "/run/cc2", "file:/x": "/x",
		"": fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid()),
	} {
		if got, err := CachePath("", env(in)); err != nil || got != want {
			t.Errorf("KRB5CCNAME=%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"KEYRING:persistent:0", "KCM:", "DIR:/run/cc", "FILE:"} {
		if _, err := CachePath("", env(bad)); KindOf(err) != KindConfig {
			t.Errorf("KRB5CCNAME=%q: %v, want KindConfig", bad, err)
		}
	}
	if got, _ := CachePath("FILE:/explicit", env("FILE:/env")); got != "/explicit" {
		t.Errorf("explicit cache ignored: %q", got)
	}
}

// writeConf writes a minimal krb5.conf and returns its path.
func writeConf(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "krb5.conf")
	conf := "[libdefaults]\n default_realm = EXAMPLE.COM\n[realms]\n EXAMPLE.COM = {\n  kdc = 127.0.0.1:1\n }\n[domain_realm]\n .corp.example = CORP.EXAMPLE\n"
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoginErrorsWithoutKDC(t *testing.T) {
	conf := writeConf(t)
	dir := t.TempDir()
	env := func(k string) string {
		switch k {
		case "KRB5_CONFIG":
			return filepath.Join(dir, "missing.conf") + ":" + conf
		case "KRB5CCNAME":
			return "FILE:" + filepath.Join(dir, "no-cache")
		}
		return ""
	}
	_, err := Login(t.Context(), Options{Getenv: env})
	if KindOf(err) != KindNoTicket || !strings.Contains(err.Error(), "run kinit or pass --principal/--keytab") {
		t.Errorf("no cache: %v", err)
	}
	_, err = Login(t.Context(), Options{Getenv: env, Principal: "alice"})
	if KindOf(err) != KindConfig {
		t.Errorf("principal without keytab: %v", err)
	}
	_, err = Login(t.Context(), Options{Getenv: env, Principal: "alice", Keytab: filepath.Join(dir, "none.keytab")})
	if KindOf(err) != KindBadKeytab || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing keytab: %v", err)
	}
	_, err = Login(t.Context(), Options{Getenv: func(k string) string {
		if k == "KRB5_CONFIG" {
			return filepath.Join(dir, "a") + ":" + filepath.Join(dir, "b")
		}
		return ""
	}})
	if KindOf(err) != KindConfig {
		t.Errorf("KRB5_CONFIG without a file: %v", err)
	}
	_, err = Login(t.Context(), Options{Getenv: env, Principal: "a@", Keytab: "x"})
	if KindOf(err) != KindConfig {
		t.Errorf("malformed principal: %v", err)
	}
}

func TestTranslateCodes(t *testing.T) {
	w := what{client: "alice@R", service: "rm/h@R", realm: "R", keytab: "/k"}
	for code, kind := range map[int32]Kind{
		errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN: KindUnknownPrincipal,
		errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN: KindServerPrincipal,
		errorcode.KDC_ERR_PREAUTH_FAILED:      KindBadKeytab,
		errorcode.KRB_AP_ERR_SKEW:             KindClockSkew,
		errorcode.KRB_AP_ERR_TKT_EXPIRED:      KindTicketExpired,
	} {
		ke := messages.NewKRBError(types.PrincipalName{}, "R", code, "e-text")
		// gokrb5 reports KDC errors both as values and inside text chains.
		for _, err := range []error{ke, fmt.Errorf("[Root cause: KDC_Error] KDC_Error: TGS Exchange Error: %v", ke)} {
			got := translate(err, w)
			if got.Kind != kind {
				t.Errorf("code %d (%v): kind %v, want %v", code, err, got.Kind, kind)
			}
			if strings.Contains(got.Error(), "Root cause") || strings.Contains(got.Error(), "e-text") {
				t.Errorf("code %d: raw chain leaked into %q", code, got.Error())
			}
			if !errors.Is(got, &Error{Kind: kind}) {
				t.Errorf("errors.Is by kind failed for %v", got)
			}
		}
	}
	if k := translate(errors.New("error sending to a KDC: dial tcp 127.0.0.1:1: connect: connection refused"), w).Kind; k != KindKDCUnreachable {
		t.Errorf("unreachable KDC: %v", k)
	}
}

func TestFromServer(t *testing.T) {
	for msg, kind := range map[string]Kind{
		"GSS initiate failed":                             KindRejected,
		"Failure unspecified (Clock skew too great (37))": KindClockSkew,
		"GSSException: Checksum failed":                   KindServerPrincipal,
	} {
		e := FromServer(msg, "rm/h@R", nil)
		if e == nil || e.Kind != kind {
			t.Errorf("FromServer(%q) = %v, want kind %v", msg, e, kind)
		}
	}
	if e := FromServer("Application not found", "rm/h@R", nil); e != nil {
		t.Errorf("non-Kerberos message classified: %v", e)
	}
}

func TestHadoopConfHelpers(t *testing.T) {
	conf := hadoopconf.NewDefault(hadoopconf.Options{})
	conf.Set("hadoop.security.authentication", "Kerberos")
	conf.Set("yarn.resourcemanager.address", "RM1.example.com:8032")
	conf.Set(KeyRMPrincipal, "rm/_HOST@EXAMPLE.COM")
	conf.Set(KeyDataTransferProtection, "authentication,privacy, integrity")
	if !SecurityEnabled(conf) {
		t.Error("SecurityEnabled = false")
	}
	r, err := TokenRenewer(t.Context(), conf)
	if err != nil || r != "rm/rm1.example.com@EXAMPLE.COM" {
		t.Errorf("TokenRenewer = %q, %v", r, err)
	}
	if p := dataTransferProtection(conf); p != "privacy" {
		t.Errorf("data transfer protection %q", p)
	}
	conf.Unset(KeyRMPrincipal)
	if _, err := TokenRenewer(t.Context(), conf); KindOf(err) != KindConfig {
		t.Errorf("TokenRenewer without principal: %v", err)
	}
}

func TestHDFSOptions(t *testing.T) {
	cfg := config.New()
	s := &Session{cl: client.NewWithPassword("alice", "EXAMPLE.COM", "unused", cfg), cfg: cfg,
		cname: types.NewPrincipalName(1, "alice"), realm: "EXAMPLE.COM"}
	conf := hadoopconf.NewDefault(hadoopconf.Options{})
	conf.Set("fs.defaultFS", "hdfs://nn1.example.com:8020")
	if _, err := HDFSOptions(conf, s); KindOf(err) != KindConfig {
		t.Errorf("without dfs.namenode.kerberos.principal: %v", err)
	}
	conf.Set(KeyNameNodePrincipal, "nn/_HOST@EXAMPLE.COM")
	conf.Set(KeyDataTransferProtection, "integrity")
	o, err := HDFSOptions(conf, s)
	if err != nil {
		t.Fatal(err)
	}
	if o.KerberosClient != s.Client() || o.KerberosServicePrincipleName != "nn/_HOST" ||
		o.DataTransferProtection != "integrity" || len(o.Addresses) != 1 || o.Addresses[0] != "nn1.example.com:8020" {
		t.Errorf("options %+v", o)
	}
	conf.Set(KeyEncryptDataTransfer, "true")
	if o, _ := HDFSOptions(conf, s); o.DataTransferProtection != "privacy" {
		t.Errorf("dfs.encrypt.data.transfer=true gives %q", o.DataTransferProtection)
	}
}
