package terminal

// Rules for this file: who else can type into the console. A process can
// push keys into a terminal's input with the TIOCSTI ioctl when the
// terminal is its controlling terminal and the kernel allows it
// (dev.tty.legacy_tiocsti=1, the default before Linux 6.2 made it a
// switch), or at any time with CAP_SYS_ADMIN. So the daemon makes the
// console the controlling terminal of a session it leads (no process can
// join another's session later: only its own children are born in it),
// and checks that the kernel refuses TIOCSTI. Root can always type into
// any terminal; that is outside what the console can defend.

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// tiocstiSysctl is the kernel's TIOCSTI switch (Linux 6.2 and later).
const tiocstiSysctl = "/proc/sys/dev/tty/legacy_tiocsti"

// Claim makes the terminal the controlling terminal of a session this
// process leads, so that no other process has it as its own: it starts a
// new session when it can, then takes the terminal (TIOCSCTTY). It fails,
// saying why, when the terminal is another session's (a shell's, a
// getty's) or the process cannot lead a session; the terminal works on,
// shared.
func (t *TTY) Claim() error {
	pid := os.Getpid()
	if sid, err := unix.IoctlGetInt(t.fd, unix.TIOCGSID); err == nil {
		if sid == pid {
			return nil // already ours: systemd's StandardInput=tty
		}
		return fmt.Errorf("the console %s is the terminal of session %d (the shell or service that started signet), whose other processes share it", t.Name(), sid)
	}
	if sid, _ := unix.Getsid(0); sid != pid {
		if _, err := unix.Setsid(); err != nil {
			return fmt.Errorf("signet cannot start a session of its own to take the console %s (%w): it leads a process group", t.Name(), err)
		}
	}
	if err := unix.IoctlSetInt(t.fd, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("signet cannot make %s its controlling terminal (%w): it is another session's terminal, or signet's session has one", t.Name(), err)
	}
	if sid, err := unix.IoctlGetInt(t.fd, unix.TIOCGSID); err != nil || sid != pid {
		return fmt.Errorf("the console %s did not become signet's terminal (session %d, %v)", t.Name(), sid, err)
	}
	return nil
}

// TIOCSTIAllowed reports whether the kernel lets a process without
// CAP_SYS_ADMIN push keys into its controlling terminal (TIOCSTI), and how
// that was learnt. It reads dev.tty.legacy_tiocsti; when that is hidden
// (systemd's ProcSubset=pid) or missing (Linux before 6.2), it asks the
// kernel on the terminal itself, which an unprivileged process can do
// without injecting anything.
func (t *TTY) TIOCSTIAllowed() (bool, string) {
	if b, err := os.ReadFile(tiocstiSysctl); err == nil {
		v := strings.TrimSpace(string(b))
		return v != "0", "dev.tty.legacy_tiocsti=" + v
	}
	if hasCapSysAdmin() {
		return true, "dev.tty.legacy_tiocsti cannot be read, and with CAP_SYS_ADMIN TIOCSTI always works"
	}
	return probeVerdict(ProbeTIOCSTI(t.fd))
}

// probeVerdict reads ProbeTIOCSTI's answer.
func probeVerdict(err error) (bool, string) {
	if errors.Is(err, unix.EIO) {
		return false, "the kernel refuses TIOCSTI (EIO)"
	}
	return true, fmt.Sprintf("the kernel accepts TIOCSTI (%v)", err)
}

// ProbeTIOCSTI asks the kernel whether this process may push a key into
// the terminal fd, without pushing one: the ioctl is given a NULL byte
// pointer. The kernel checks the switch first (EIO: TIOCSTI is off for
// processes without CAP_SYS_ADMIN), then the terminal (EPERM: it is not
// this process's controlling terminal), and only then reads the byte
// (EFAULT: the key would have been pushed).
func ProbeTIOCSTI(fd int) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TIOCSTI, 0)
	if errno == 0 {
		return nil
	}
	return errno
}

// hasCapSysAdmin reports whether the process holds CAP_SYS_ADMIN.
func hasCapSysAdmin() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return true // unknown: assume the worst
	}
	return data[0].Effective&(1<<unix.CAP_SYS_ADMIN) != 0
}
