package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"

	"github.com/signetbox/signet/daemon"
)

// signetConfined runs main; when serve has confined itself it reads what
// a bug in the daemon could reach for, prints one line per probe and
// exits (testdata/confine.txtar).
func signetConfined() {
	daemon.SetAfterConfineForTests(func(a daemon.Options) {
		probe := func(what, path string) {
			_, err := os.ReadFile(path)
			fmt.Printf("read %s: %s\n", what, probeResult(err))
		}
		probe("/etc/shadow", "/etc/shadow")
		probe("/etc/passwd", "/etc/passwd")
		probe("--wireguard file", a.WireGuard)
		probe("a file beside it", filepath.Join(filepath.Dir(a.WireGuard), "other"))
		if u, err := user.LookupId("0"); err == nil {
			fmt.Printf("lookup uid 0: %s\n", u.Username)
		} else {
			fmt.Printf("lookup uid 0: %v\n", err)
		}
		os.Exit(0)
	})
	signetDetached()
}

func probeResult(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}
