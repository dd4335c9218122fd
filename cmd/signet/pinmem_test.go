package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/testenv"
)

// checkPINCopies reads the whole memory of the running daemon through
// /proc/PID/mem and counts the copies of pin left there after a signing.
// The daemon's own buffers (the console's, the locked hsm.Secret that
// held the PIN) are wiped when the unseal returns, whatever the build;
// the copies go-tpm makes while it unseals (its session HMAC keys) are
// erased only in a binary built with GOEXPERIMENT=runtimesecret, as
// `make build` and these tests build it (testenv.BuildSignet).
func checkPINCopies(t *testing.T, s *tmuxServe, pin string) {
	t.Helper()
	n, err := memoryCount(s.daemonPID(), []byte(pin))
	if errors.Is(err, os.ErrPermission) {
		testenv.SkipOrFail(t, "cannot read the daemon's memory (%v): run as root", err)
	}
	if err != nil {
		t.Fatalf("reading the daemon's memory: %v", err)
	}
	fmt.Printf("FIGURE pin-copies-after-signing %d\n", n)
	if n != 0 {
		t.Fatalf("%d copies of the PIN are left in the daemon's memory after the signing, want 0", n)
	}
}

// memoryCount counts the occurrences of needle in the readable mappings
// of process pid.
func memoryCount(pid int, needle []byte) (int, error) {
	maps, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return 0, err
	}
	defer maps.Close()
	mem, err := os.Open("/proc/" + strconv.Itoa(pid) + "/mem")
	if err != nil {
		return 0, err
	}
	defer mem.Close()
	n := 0
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[1][0] != 'r' || strings.HasSuffix(sc.Text(), "[vvar]") || strings.HasSuffix(sc.Text(), "[vsyscall]") {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil {
			continue
		}
		buf := make([]byte, end-start)
		if _, err := mem.ReadAt(buf, int64(start)); err != nil && !errors.Is(err, io.EOF) {
			if errors.Is(err, os.ErrPermission) {
				return 0, err
			}
			continue // a mapping that went away or cannot be read (guard pages)
		}
		n += bytes.Count(buf, needle)
	}
	return n, sc.Err()
}
