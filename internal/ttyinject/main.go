// Command ttyinject is the attacker of signet's console tests: a process
// that shares the console's terminal and tries to type into it with the
// TIOCSTI ioctl, as a local account would. Run as root it opens the
// terminal, then drops to uid and gid 65534 (nobody), so it holds no
// CAP_SYS_ADMIN, like a local account. It waits for the text to type to
// appear in a file (the test reads the approval code off the screen), then
// writes what each step got as JSON.
//
// Usage:
//
//	ttyinject (-tty PATH | -ctty) -text FILE -out FILE [-steal]
//
// -ctty types into its own controlling terminal (/dev/tty); -steal, when
// typing fails, also tries to make the terminal its own (setsid,
// TIOCSCTTY) and types again. The signet binary never links this.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// result is what ttyinject writes to -out; errors are errno names, "" for
// success.
type result struct {
	UID       int
	CapAdmin  bool   // still holds CAP_SYS_ADMIN after dropping
	Typed     int    // bytes pushed into the terminal
	TIOCSTI   string // the first push's error
	Setsid    string `json:",omitempty"`
	TIOCSCTTY string `json:",omitempty"`
	Again     string `json:",omitempty"` // pushing after TIOCSCTTY
}

func main() {
	tty := flag.String("tty", "", "terminal to type into")
	ctty := flag.Bool("ctty", false, "type into the controlling terminal")
	textFile := flag.String("text", "", "file holding the text to type (waited for)")
	out := flag.String("out", "", "file to write the result to")
	steal := flag.Bool("steal", false, "try to make the terminal the controlling one, then type again")
	flag.Parse()
	if err := run(*tty, *ctty, *textFile, *out, *steal); err != nil {
		fmt.Fprintf(os.Stderr, "ttyinject: error: %v\n", err)
		os.Exit(1)
	}
}

func run(tty string, ctty bool, textFile, out string, steal bool) error {
	path, mode := tty, unix.O_RDWR|unix.O_NOCTTY
	if ctty {
		path, mode = "/dev/tty", unix.O_RDWR
	}
	fd, err := unix.Open(path, mode, 0)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	// Open the result file while still privileged: nobody may not
	// write where the test wants it.
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	text, err := waitFile(textFile, 2*time.Minute)
	if err != nil {
		return err
	}
	if err := dropPrivileges(); err != nil {
		return err
	}
	res := result{UID: os.Getuid(), CapAdmin: capAdmin()}
	res.Typed, res.TIOCSTI = push(fd, text)
	if res.TIOCSTI != "" && steal {
		_, err := unix.Setsid()
		res.Setsid = errName(err)
		res.TIOCSCTTY = errName(unix.IoctlSetInt(fd, unix.TIOCSCTTY, 0))
		var n int
		n, res.Again = push(fd, text)
		res.Typed += n
	}
	b, _ := json.Marshal(res)
	_, err = f.Write(b)
	return err
}

// push types text into fd one byte at a time; it stops at the first error.
func push(fd int, text []byte) (int, string) {
	for i := range text {
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TIOCSTI, uintptr(unsafe.Pointer(&text[i]))); e != 0 {
			return i, errName(e)
		}
	}
	return len(text), ""
}

// waitFile waits for path to exist and returns its content.
func waitFile(path string, d time.Duration) ([]byte, error) {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s did not appear within %s", path, d)
}

// dropPrivileges becomes nobody when run as root (the syscall package
// changes the ids of every thread).
func dropPrivileges() error {
	if os.Geteuid() != 0 {
		return nil
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("dropping groups: %w", err)
	}
	if err := syscall.Setresgid(65534, 65534, 65534); err != nil {
		return fmt.Errorf("dropping gid: %w", err)
	}
	if err := syscall.Setresuid(65534, 65534, 65534); err != nil {
		return fmt.Errorf("dropping uid: %w", err)
	}
	return nil
}

// capAdmin reports whether CAP_SYS_ADMIN is still effective.
func capAdmin() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return true
	}
	return data[0].Effective&(1<<unix.CAP_SYS_ADMIN) != 0
}

func errName(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := err.(unix.Errno); ok {
		if e == 0 {
			return ""
		}
		return unix.ErrnoName(e)
	}
	return err.Error()
}
