package console

import (
	"os"
	"path/filepath"
)

// EnvShellHistory names the file `spindle shell` keeps its history in;
// set to "none", it keeps none.
const EnvShellHistory = "SPINDLE_SHELL_HISTORY"

// ShellHistoryFile is where `spindle shell` keeps the lines typed at its
// prompt: $SPINDLE_SHELL_HISTORY, else ~/.spindle_shell_history ("" for
// nowhere: "none", or no home directory).
func ShellHistoryFile(getenv func(string) string) string {
	switch v := getenv(EnvShellHistory); v {
	case "none":
		return ""
	case "":
	default:
		return v
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".spindle_shell_history")
}
