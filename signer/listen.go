package signer

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// socketBacklog is the accept queue of the API socket. The kernel keeps
// connections waiting there in order, and the daemon cannot see whose
// they are until it accepts them: a short queue bounds how long the
// operator's connection waits behind a flood of connects, which then get
// EAGAIN instead (the client tries again, NewClient). Go's default is
// net.core.somaxconn (4096 on Debian), seconds of a flood.
const socketBacklog = 64

// ListenUnix opens the API socket at path with mode 0660 (and group, if
// gid >= 0). An old socket file left by a dead daemon is replaced; the
// caller holds the state dir lock, so no live daemon owns it.
func ListenUnix(path string, gid int) (*net.UnixListener, error) {
	l, err := listenUnix(path, 0o660)
	if err != nil {
		return nil, err
	}
	if gid >= 0 {
		if err := os.Chown(path, -1, gid); err != nil {
			l.Close()
			return nil, fmt.Errorf("setting the group of %s: %w", path, err)
		}
	}
	return l, nil
}

// listenUnix listens on path with socketBacklog and sets its mode.
func listenUnix(path string, mode os.FileMode) (*net.UnixListener, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("removing the old socket %s: %w", path, err)
		}
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	if err := unix.Listen(fd, socketBacklog); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	fl, err := net.FileListener(f)
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	l := fl.(*net.UnixListener)
	l.SetUnlinkOnClose(true)
	if err := os.Chmod(path, mode); err != nil {
		l.Close()
		return nil, fmt.Errorf("setting the mode of %s: %w", path, err)
	}
	return l, nil
}
