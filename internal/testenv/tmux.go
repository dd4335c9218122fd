package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// tmuxPrefix starts the name of every tmux session TmuxSession makes; the
// test process's pid and a counter follow it.
const tmuxPrefix = "signet-test-"

var (
	tmuxSessions  atomic.Int64
	tmuxSweepOnce sync.Once
)

// TmuxSession starts shell in a new detached tmux session of cols by rows
// on the default tmux server, as a person's terminal, and returns the
// session's name. The session is killed when the test ends. The first
// call of a test process also kills the sessions that test processes
// killed by a timeout or kill -9 left behind, with the daemons in them.
func TmuxSession(t testing.TB, cols, rows int, shell string) string {
	t.Helper()
	tmuxSweepOnce.Do(killStaleTmuxSessions)
	name := fmt.Sprintf("%s%d-%d", tmuxPrefix, os.Getpid(), tmuxSessions.Add(1))
	out, err := exec.Command("tmux", "new-session", "-d", "-s", name, "-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows), shell).CombinedOutput()
	if err != nil {
		t.Fatalf("starting tmux session %s: %v %s", name, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", name).Run() })
	return name
}

// killStaleTmuxSessions kills the sessions named by TmuxSession for a
// process that no longer runs.
func killStaleTmuxSessions() {
	out, err := exec.Command("tmux", "list-sessions", "-F", "#{session_name}").Output()
	if err != nil {
		return // no server: nothing left over
	}
	for _, name := range strings.Fields(string(out)) {
		if owner := tmuxSessionOwner(name); owner > 0 && !processAlive(owner) {
			_ = exec.Command("tmux", "kill-session", "-t", name).Run()
		}
	}
}

// tmuxSessionOwner returns the pid in a name TmuxSession made, or 0.
func tmuxSessionOwner(name string) int {
	rest, ok := strings.CutPrefix(name, tmuxPrefix)
	if !ok {
		return 0
	}
	pidText, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
