package console

import (
	"errors"
	"strings"
	"testing"
)

func TestBriefError(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{
			"kill application_1_0001: yarn: killing application_1_0001: yarn: forceKillApplication: no ResourceManager could serve the call (2 tries): 127.0.0.1:1: ipc: ApplicationClientProtocolPB.forceKillApplication at 127.0.0.1:1: cannot connect: dial tcp 127.0.0.1:1: connect: connection refused",
			"kill application_1_0001: forceKillApplication: no ResourceManager could serve the call (2 tries): 127.0.0.1:1: cannot connect: connection refused",
		},
		{
			"hadoopconf: no Hadoop configuration found (HADOOP_CONF_DIR is not set): set HADOOP_CONF_DIR",
			"no Hadoop configuration found (HADOOP_CONF_DIR is not set): set HADOOP_CONF_DIR",
		},
		{ // nothing repeated: unchanged
			`--master "mesos://x": want yarn, local, local[N] or local[*]`,
			`--master "mesos://x": want yarn, local, local[N] or local[*]`,
		},
		{ // the last segment, the root cause, always stays
			"read stdout: read", "read stdout: read",
		},
		{ // only the first line is shortened; a compiler's output stays
			"build APP ./x with go build: exit status 1\n./main.go:3:1: yarn: syntax error",
			"build APP ./x with go build: exit status 1\n./main.go:3:1: yarn: syntax error",
		},
		{ // a filler-only segment never said before stays
			"upload app: write: disk full", "upload app: write: disk full",
		},
	} {
		if got := BriefError(errors.New(tc.in)); got != tc.want {
			t.Errorf("BriefError(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestBriefDiagnostics(t *testing.T) {
	for in, want := range map[string]string{
		"[Tue Dec 01 16:57:42 +0000 2026] Application is Activated, waiting for resources to be assigned for AM.  Details : AM Partition = <DEFAULT_PARTITION> ; Partition Resource = <memory:8192, vCores:64> ;": "Application is Activated, waiting for resources to be assigned for AM.",
		"the driver exited with code 7\nmore": "the driver exited with code 7",
		"[no closing bracket":                 "[no closing bracket",
		"  Application killed by user.  ":     "Application killed by user.",
		"":                                    "",
	} {
		if got := BriefDiagnostics(in); got != want {
			t.Errorf("BriefDiagnostics(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExitCodeNamesTheOperationOnce(t *testing.T) {
	var out, errOut strings.Builder
	if code := ExitCode(&out, &errOut, "kill", errors.New("kill application_1_0001: yarn: killing application_1_0001: refused")); code != 1 {
		t.Errorf("exit %d", code)
	}
	if got, want := errOut.String(), "spindle: kill application_1_0001: refused\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}
