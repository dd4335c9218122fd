package e2e

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/signetbox/signet/internal/testenv"
)

// TestMain removes the binaries the tests built (testenv.Build) at the
// end. Under -short ("make check") it runs nothing: every test here
// starts a tailnet, and some build tailscaled.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e: -short: skipping the end-to-end tests (make test runs them)")
		os.Exit(0)
	}
	os.Exit(testenv.M(m).Run())
}
