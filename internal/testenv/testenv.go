// Package testenv is what the tests of every package share: the rule that
// a test may skip only off CI, the -short tier of "make check", and the
// binaries tests run, built once per test process. Only _test.go files and
// test helper packages import it; it is never linked into a binary.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI (CI=true), where every
// component a test needs is installed (scripts/deps.sh) and a missing one
// is a failure, not a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// SkipOrFail ends t because something it needs is missing: with CI=true
// as a failure, elsewhere as a skip. The message says what is missing.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s (CI=true, so this is a failure: scripts/deps.sh must install it)", msg)
	}
	t.Skipf("%s; skipping because CI is not true", msg)
}

// LookPath returns the path of the program name, or ends t with
// SkipOrFail when it is not installed.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		SkipOrFail(t, "%s is not installed (make deps installs it): %v", name, err)
	}
	return p
}

// SkipShort skips t under "go test -short" ("make check", the fast tier),
// saying what it leaves out: a real terminal, a software TPM, a built
// binary, a long loop. Without -short ("make test", CI) t runs.
func SkipShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: skipping %s (make test runs it)", what)
	}
}
