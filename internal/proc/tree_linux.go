package proc

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// descendants lists the living processes below pid: its children, theirs,
// and so on, read from /proc. Zombies are left out: they are dead and only
// wait for their parent.
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	alive := map[int]bool{}
	for _, e := range entries {
		p, ppid, state, ok := statOf(e.Name())
		if !ok {
			continue
		}
		children[ppid] = append(children[ppid], p)
		alive[p] = state != "Z" && state != "X"
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			if alive[c] {
				out = append(out, c)
			}
			queue = append(queue, c)
		}
	}
	return out
}

// statOf reads the pid, parent pid and state of /proc/<name>.
func statOf(name string) (pid, ppid int, state string, ok bool) {
	if name == "" || name[0] < '0' || name[0] > '9' {
		return 0, 0, "", false
	}
	b, err := os.ReadFile("/proc/" + name + "/stat")
	if err != nil {
		return 0, 0, "", false
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, "", false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, 0, "", false
	}
	if _, err := fmt.Sscan(name, &pid); err != nil {
		return 0, 0, "", false
	}
	if _, err := fmt.Sscan(f[1], &ppid); err != nil {
		return 0, 0, "", false
	}
	return pid, ppid, f[0], true
}

// waitid's arguments (linux/wait.h).
const (
	pAll    = 0
	wExited = 4
	wNoWait = 0x1000000
)

// hasChildren reports whether this process has a child, running or not yet
// waited for; without one it has no descendants at all, and the scan of
// every process in /proc (milliseconds on a busy node) is skipped. It waits
// for nothing (WNOWAIT).
func hasChildren() bool {
	var info [128]byte // siginfo_t
	_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pAll, 0, uintptr(unsafe.Pointer(&info[0])),
		wExited|syscall.WNOHANG|wNoWait, 0, 0)
	return errno != syscall.ECHILD
}

// liveDescendants lists the living descendants of this process.
func liveDescendants() []int {
	if !hasChildren() {
		return nil
	}
	return descendants(os.Getpid())
}

// signalTree sends sig to every living descendant of this process.
func signalTree(sig syscall.Signal) int {
	pids := liveDescendants()
	for _, p := range pids {
		_ = syscall.Kill(p, sig)
	}
	return len(pids)
}

// clearTree ends every descendant of this process: SIGTERM, then SIGKILL
// after grace for whatever is left, until none is left (or a minute passed:
// a process in uninterruptible sleep cannot be helped).
func clearTree(grace time.Duration) error {
	if signalTree(syscall.SIGTERM) == 0 {
		return nil
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && len(liveDescendants()) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	for giveUp := time.Now().Add(time.Minute); signalTree(syscall.SIGKILL) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(giveUp) {
			return errors.New("processes the supervised program started could not be killed")
		}
	}
	return nil
}
