package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/cli"
)

// TestLibraryUsageErrorsExit2 checks that a usage error made by a library
// package (cli.Usage, as keyplan and audit return them) from inside a
// verb that ran counts as one, so signet exits 2 as docs/cli.md says:
// "signet add" with a malformed key fails in keyplan.KeyChangeRequest.
func TestLibraryUsageErrorsExit2(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"add", "--socket", t.TempDir() + "/none.sock", "tlpub:zz"}, &out, &errb)
	if code != cli.ExitUsage || !strings.HasPrefix(errb.String(), "signet: error: ") || out.Len() != 0 {
		t.Fatalf("signet add tlpub:zz: exit %d, stdout %q, stderr %q; want exit %d and one error line", code, out.String(), errb.String(), cli.ExitUsage)
	}
}
