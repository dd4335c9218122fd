package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/keyplan"
)

// TestLibraryUsageErrorsExit2 checks that a usage error made by a library
// package (cli.Usage, as keyplan and audit return them) counts as one
// here, so the verb exits 2 as docs/cli.md says.
func TestLibraryUsageErrorsExit2(t *testing.T) {
	_, err := keyplan.KeyChangeRequest(api.KindAddKey, []string{"tlpub:zz"})
	if !isUsage(err) || !isUsage(fmt.Errorf("wrapped: %w", err)) || !isUsage(cli.Usagef("x")) {
		t.Fatalf("a library usage error is not a usage error here: %v", err)
	}
	if isUsage(errors.New("plain")) || isUsage(cli.WithHint(errors.New("hinted"), "h")) {
		t.Fatal("a plain error counts as a usage error")
	}
}
