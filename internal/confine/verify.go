package confine

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// ErrNotConfined says EnvMarker is set but the process runs outside a
// Landlock domain or without no_new_privs.
var ErrNotConfined = errors.New("confine: " + EnvMarker + " is set but this process is not confined; unset it and start again")

// Marked reports whether EnvMarker is set, i.e. whether Exec started
// this program, and the Landlock ABI it recorded.
func Marked() (abi int, ok bool) {
	v, ok := os.LookupEnv(EnvMarker)
	if !ok {
		return 0, false
	}
	abi, _ = strconv.Atoi(v)
	return abi, true
}

// Verify checks that the process really runs confined: no_new_privs is
// set and the root directory cannot be listed (no Policy grants "/").
func Verify() error {
	nnp, err := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)
	if err != nil || nnp != 1 {
		return ErrNotConfined
	}
	fd, err := unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil {
		unix.Close(fd)
		return ErrNotConfined
	}
	if !errors.Is(err, unix.EACCES) {
		return fmt.Errorf("confine: checking the Landlock domain by opening /: %w", err)
	}
	return nil
}
