package hadoopconf

import (
	"strings"
	"testing"
)

func TestRMAddressesNonHA(t *testing.T) {
	tests := []struct {
		name    string
		set     map[string]string
		rm      []string
		sched   []string
		web     []string
		wantErr string
	}{
		{name: "defaults keep the wildcard host",
			rm: []string{"0.0.0.0:8032"}, sched: []string{"0.0.0.0:8030"}, web: []string{"0.0.0.0:8088"}},
		{name: "hostname only",
			set: map[string]string{KeyRMHostname: "rm.example.com"},
			rm:  []string{"rm.example.com:8032"}, sched: []string{"rm.example.com:8030"}, web: []string{"rm.example.com:8088"}},
		{name: "explicit addresses",
			set: map[string]string{KeyRMHostname: "ignored", KeyRMAddress: " rm:1 ", KeySchedulerAddress: "${my.host}:2", "my.host": "sched", KeyRMWebAddress: "web:3"},
			rm:  []string{"rm:1"}, sched: []string{"sched:2"}, web: []string{"web:3"}},
		{name: "address without port gets the default port",
			set: map[string]string{KeyRMAddress: "rmhost"},
			rm:  []string{"rmhost:8032"}, sched: []string{"0.0.0.0:8030"}, web: []string{"0.0.0.0:8088"}},
		{name: "blank address falls back to hostname",
			set: map[string]string{KeyRMAddress: "  ", KeyRMHostname: "h"},
			rm:  []string{"h:8032"}, sched: []string{"h:8030"}, web: []string{"h:8088"}},
		{name: "IPv6",
			set: map[string]string{KeyRMAddress: "[::1]:18032", KeySchedulerAddress: "::1", KeyRMWebAddress: "[fe80::1]"},
			rm:  []string{"[::1]:18032"}, sched: []string{"[::1]:8030"}, web: []string{"[fe80::1]:8088"}},
		{name: "https policy uses the https web address",
			set: map[string]string{KeyHTTPPolicy: "HTTPS_ONLY", KeyRMHostname: "h"},
			rm:  []string{"h:8032"}, sched: []string{"h:8030"}, web: []string{"h:8090"}},
		{name: "bad port",
			set: map[string]string{KeyRMAddress: "rm:80x"}, wantErr: `yarn.resourcemanager.address="rm:80x"`},
		{name: "port out of range",
			set: map[string]string{KeyRMAddress: "rm:70000"}, wantErr: "invalid port"},
		{name: "no host",
			set: map[string]string{KeyRMAddress: ":8032"}, wantErr: "no valid host"},
		{name: "unresolved reference",
			set: map[string]string{KeyRMAddress: "${nope}:8032"}, wantErr: KeyRMAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewDefault(hermetic(nil))
			for k, v := range tt.set {
				c.Set(k, v)
			}
			rm, err := c.RMAddresses()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("RMAddresses() = %q, %v; want error containing %q", rm, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantStrings(t, "RMAddresses()", rm, tt.rm)
			sched, err := c.SchedulerAddresses()
			if err != nil {
				t.Fatal(err)
			}
			wantStrings(t, "SchedulerAddresses()", sched, tt.sched)
			web, err := c.RMWebAddresses()
			if err != nil {
				t.Fatal(err)
			}
			wantStrings(t, "RMWebAddresses()", web, tt.web)
		})
	}
}

func TestRMAddressesHAFixture(t *testing.T) {
	c, err := Load(Options{Dirs: []string{fixture(t, "ha")}, User: "u", LookupEnv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if !c.HAEnabled() {
		t.Fatal("HAEnabled() = false")
	}
	wantStrings(t, "RMIDs()", c.RMIDs(), []string{"rm1", "rm2", "rm3"})
	rm, err := c.RMAddresses()
	if err != nil {
		t.Fatal(err)
	}
	// rm1: explicit <key>.rm1; rm2, rm3: hostname.<id> + default port.
	wantStrings(t, "RMAddresses()", rm, []string{"rm1.example.com:18032", "rm2.example.com:8032", "10.0.0.3:8032"})
	sched, err := c.SchedulerAddresses()
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "SchedulerAddresses()", sched, []string{"rm1.example.com:8030", "rm2.example.com:8030", "10.0.0.3:9999"})
	web, err := c.RMWebAddresses()
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "RMWebAddresses()", web, []string{"rm1.example.com:28088", "rm2.example.com:8088", "10.0.0.3:8088"})
	admin, err := c.RMServiceAddresses("yarn.resourcemanager.admin.address", DefaultRMAdminPort)
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "admin addresses", admin, []string{"rm1.example.com:8033", "rm2.example.com:8033", "10.0.0.3:8033"})
}

func TestRMAddressesHAErrors(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"no rm-ids", map[string]string{KeyRMHAEnabled: "true"},
			[]string{KeyRMHAIDs, KeyRMHAEnabled}},
		{"blank rm-ids", map[string]string{KeyRMHAEnabled: "true", KeyRMHAIDs: " , "},
			[]string{KeyRMHAIDs}},
		{"id without address or hostname", map[string]string{KeyRMHAEnabled: "true", KeyRMHAIDs: "rm1,rm2", KeyRMHostname + ".rm1": "a"},
			[]string{`"rm2"`, KeyRMAddress + ".rm2", KeyRMHostname + ".rm2"}},
		{"malformed per-id address", map[string]string{KeyRMHAEnabled: "true", KeyRMHAIDs: "rm1", KeyRMAddress + ".rm1": "a:b:c"},
			[]string{KeyRMAddress + ".rm1"}},
		{"malformed per-id hostname", map[string]string{KeyRMHAEnabled: "true", KeyRMHAIDs: "rm1", KeyRMHostname + ".rm1": "a b"},
			[]string{KeyRMHostname + ".rm1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewDefault(hermetic(nil))
			for k, v := range tt.set {
				c.Set(k, v)
			}
			addrs, err := c.RMAddresses()
			if err == nil {
				t.Fatalf("RMAddresses() = %q, want error", addrs)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestHAEnabledAndRMIDs(t *testing.T) {
	c := NewDefault(hermetic(nil))
	if c.HAEnabled() || c.RMIDs() != nil {
		t.Errorf("defaults: HAEnabled %v RMIDs %q", c.HAEnabled(), c.RMIDs())
	}
	c.Set(KeyRMHAEnabled, "maybe") // malformed counts as false
	if c.HAEnabled() {
		t.Error("HAEnabled() with a malformed value")
	}
	c.Set(KeyRMHAEnabled, "True")
	c.Set(KeyRMHAIDs, "b,a,b")
	if !c.HAEnabled() {
		t.Error("HAEnabled() = false")
	}
	wantStrings(t, "RMIDs()", c.RMIDs(), []string{"b", "a"})
}

func TestWebAppScheme(t *testing.T) {
	c := NewDefault(hermetic(nil))
	for _, tt := range []struct{ policy, want string }{
		{"HTTP_ONLY", "http"}, {"HTTPS_ONLY", "https"}, {" https_only ", "https"}, {"HTTP_AND_HTTPS", "http"}, {"", "http"},
	} {
		c.Set(KeyHTTPPolicy, tt.policy)
		if got := c.WebAppScheme(); got != tt.want {
			t.Errorf("WebAppScheme() with %q = %q, want %q", tt.policy, got, tt.want)
		}
	}
}

func TestHostPort(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"h:1", "h:1", true},
		{"h", "h:99", true},
		{"h:", "h:99", true},
		{"0.0.0.0:8032", "0.0.0.0:8032", true},
		{"hdfs://nn:8020", "nn:8020", true},
		{"hdfs://nn", "nn:99", true},
		{"[::1]", "[::1]:99", true},
		{"::1", "[::1]:99", true},
		{"h:+1", "", false},
		{"h:-1", "", false},
		{"", "", false},
		{"a/b:1", "", false},
		{"[::1", "", false},
		{"h:1:2]", "", false},
		{"${x}:1", "", false},
		{"a:b:c", "", false},
		{"fe80::1%eth0", "[fe80::1%eth0]:99", true},
		{"under_score.example-host:1", "under_score.example-host:1", true},
	} {
		got, err := hostPort(tt.in, 99)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("hostPort(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
