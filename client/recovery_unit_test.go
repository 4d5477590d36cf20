package client

import (
	"strings"
	"testing"
	"time"
)

func TestResolveRecovery(t *testing.T) {
	o, err := ResolveOptions(map[string]string{KeyMaster: "yarn"}, "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Recovery.MaxFailedExecutorsPerNode != 0 || o.Recovery.ExcludeTimeout != time.Hour || o.Recovery.FailuresValidity != 0 {
		t.Errorf("defaults = %+v, want exclusion off (as in Spark), 1h, no validity interval", o.Recovery)
	}
	o, err = ResolveOptions(map[string]string{KeyMaster: "yarn", KeyExcludeOnFailure: "true"}, "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Recovery.MaxFailedExecutorsPerNode != 2 {
		t.Errorf("with %s=true: %+v, want 2 failures per node", KeyExcludeOnFailure, o.Recovery)
	}
	o, err = ResolveOptions(map[string]string{KeyMaster: "yarn", KeyExcludeNodes: "a, b:1", KeyExcludeOnFailure: "false",
		KeyFailuresValidityInterval: "90s", KeyAMAttemptFailuresValidityInterval: "3600000"}, "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := o.Recovery
	if strings.Join(rec.ExcludeNodes, "|") != "a|b:1" || rec.MaxFailedExecutorsPerNode != 0 ||
		rec.FailuresValidity != 90*time.Second || rec.AMAttemptFailuresValidity != time.Hour {
		t.Errorf("resolved = %+v", rec)
	}
	_, err = ResolveOptions(map[string]string{KeyMaster: "yarn", KeyFailuresValidityInterval: "soon"}, "app", nil)
	if err == nil || !strings.Contains(err.Error(), KeyFailuresValidityInterval) {
		t.Errorf("bad interval: %v, want an error naming %s", err, KeyFailuresValidityInterval)
	}
}
