package signer

import (
	"os"
	"testing"

	"github.com/signetbox/signet/internal/testenv"
)

// TestMain removes the binaries the tests built (testenv.Build) at the end.
func TestMain(m *testing.M) { os.Exit(testenv.M(m).Run()) }
