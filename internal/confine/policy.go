package confine

import (
	"golang.org/x/sys/unix"
)

// Rights a Policy grants. Every other filesystem right, TCP bind and
// connect (ABI 4+), abstract unix sockets and signals to processes
// outside the domain (ABI 6+) are denied.
const (
	// Read lets the process read files and list directories.
	Read = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	// Device lets the process open a device or socket file for reading
	// and writing and use its ioctls (a tty, /dev/tpmrm0).
	Device = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	// Execute lets the process read and execute a file.
	Execute = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_EXECUTE
	// Write lets the process create, write, rename and remove regular
	// files, directories and unix sockets; never devices, fifos or
	// symlinks, and it executes nothing.
	Write = Read | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE |
		unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_DIR |
		unix.LANDLOCK_ACCESS_FS_MAKE_SOCK | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
		unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REFER
)

// fileRights are the rights the kernel accepts on a non-directory.
const fileRights = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
	unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV

// Rule grants Rights on Path: on the file itself, or on everything
// beneath a directory.
type Rule struct {
	Path   string
	Rights uint64
	// Optional rules are skipped when Path does not exist (a pcscd
	// socket directory on a box without pcscd).
	Optional bool
}

// Policy is everything a confined process may touch.
type Policy struct {
	Rules []Rule
	// ConnectTCP lists the TCP ports the process may connect to (a swtpm
	// server port in development); with Landlock ABI 4+ every other TCP
	// connect and every bind is denied.
	ConnectTCP []uint16
}

// Add appends a rule.
func (p *Policy) Add(path string, rights uint64) {
	p.Rules = append(p.Rules, Rule{Path: path, Rights: rights})
}

// AddOptional appends a rule that is skipped if path does not exist.
func (p *Policy) AddOptional(path string, rights uint64) {
	p.Rules = append(p.Rules, Rule{Path: path, Rights: rights, Optional: true})
}
