package main

import (
	"strings"
	"testing"

	"github.com/spindle-yarn/spindle/internal/submitflags"
)

func TestEveryCommandHelpExitsZero(t *testing.T) {
	noHadoopEnv(t)
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			code, out, errOut := runCLI(args...)
			if code != 0 || errOut != "" {
				t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
			}
			if !strings.HasPrefix(out, "Usage: spindle "+c.name) {
				t.Errorf("%q: stdout %q, want the command's usage", args, out)
			}
			if !c.hidden && (!strings.Contains(out, "\nExamples:\n") || !strings.Contains(out, "\n  spindle "+c.name)) {
				t.Errorf("%q: no examples of %s in %q", args, c.name, out)
			}
		}
		_, viaFlag, _ := runCLI(c.name, "--help")
		if _, viaHelp, _ := runCLI("help", c.name); viaHelp != viaFlag {
			t.Errorf("help %s differs from %s --help:\n%s\n---\n%s", c.name, c.name, viaHelp, viaFlag)
		}
	}
}

func TestHelpOfUnknownCommand(t *testing.T) {
	code, out, errOut := runCLI("help", "sumbit")
	if code != 2 || out != "" || !strings.Contains(errOut, `unknown command "sumbit" (did you mean submit?)`) {
		t.Errorf("help sumbit: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = runCLI("help", "submit", "shell")
	if code != 2 || !strings.Contains(errOut, "want one command") {
		t.Errorf("help with two commands: exit %d, stderr %q", code, errOut)
	}
}

func TestDidYouMeanCommands(t *testing.T) {
	for typo, want := range map[string]string{
		"sumbit":  "did you mean submit?",
		"stauts":  "did you mean status?",
		"lgos":    "did you mean logs?",
		"lst":     "did you mean list?",
		"versoin": "did you mean version?",
		"clu":     "did you mean cluster?",
		"submitt": "did you mean submit?",
		"shel":    "did you mean shell?",
		"executr": "unknown command", // hidden commands are not suggested
	} {
		code, _, errOut := runCLI(typo)
		if typo == "executr" && strings.Contains(errOut, "did you mean") {
			t.Errorf("a hidden command was suggested: %q", errOut)
		}
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", typo, code, errOut, want)
		}
	}
}

func TestDidYouMeanFlags(t *testing.T) {
	noHadoopEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"submit", "--num-executor", "2", "app"}, "unknown flag --num-executor (did you mean --num-executors?)"},
		{[]string{"submit", "--executor-memroy", "1g", "app"}, "(did you mean --executor-memory?)"},
		{[]string{"submit", "--que", "q", "app"}, "(did you mean --queue?)"},
		{[]string{"logs", "--folow", "application_1_0001"}, "(did you mean --follow?)"},
		{[]string{"list", "--states", "ALL"}, "(did you mean --state?)"},
		{[]string{"submit", "--zzzzzz", "app"}, "unknown flag --zzzzzz\n"},
	} {
		code, _, errOut := runCLI(tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestTypedNumericFlags(t *testing.T) {
	noHadoopEnv(t)
	for _, flag := range []string{"num-executors", "executor-cores", "driver-cores", "max-app-attempts", "priority"} {
		code, _, errOut := runCLI("submit", "--"+flag, "2x", "app")
		if code != 2 || !strings.Contains(errOut, "--"+flag+` "2x": want a whole number`) {
			t.Errorf("--%s 2x: exit %d, stderr %q", flag, code, errOut)
		}
	}
}

func TestShellOffersOnlyItsFlags(t *testing.T) {
	noHadoopEnv(t)
	code, out, _ := runCLI("shell", "--help")
	if code != 0 || !strings.Contains(out, "--num-executors") || !strings.Contains(out, "--command-timeout") {
		t.Fatalf("shell --help: exit %d, stdout %q", code, out)
	}
	for flag, why := range submitflags.NotForShell() {
		if strings.Contains(out, "--"+flag+" ") {
			t.Errorf("shell --help offers --%s", flag)
		}
		args := []string{"shell", "--" + flag + "=1"}
		if flag == "wait" || flag == "no-wait" {
			args[1] = "--" + flag
		}
		code, _, errOut := runCLI(args...)
		if code != 2 || !strings.Contains(errOut, "--"+flag+" does not apply to spindle shell: "+why) {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
	// A near miss is not steered to a flag the shell does not take.
	_, _, errOut := runCLI("shell", "--deploy-mod", "client")
	if strings.Contains(errOut, "deploy-mode") {
		t.Errorf("shell suggested a hidden flag: %q", errOut)
	}
}

func TestTopLevelMistakes(t *testing.T) {
	noHadoopEnv(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--verison"}, 2, "unknown flag --verison (did you mean --version?): flags come after the command"},
		{[]string{"--master", "yarn"}, 2, "unknown flag --master: flags come after the command"},
		{[]string{"submit"}, 2, "spindle submit: no program to run: give APP"},
		{[]string{"status"}, 2, "spindle status: want an APPID, an id such as application_"},
		{[]string{"kill", "a", "b"}, 2, `spindle kill: want one APPID, not ["a" "b"]`},
		{[]string{"help", "help"}, 0, ""},
	} {
		code, out, errOut := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
		if tc.code == 0 && !strings.HasPrefix(out, "Usage: spindle COMMAND") {
			t.Errorf("%q: stdout %q", tc.args, out)
		}
	}
}
