package ceremony

import (
	"strings"

	"github.com/signetbox/signet/internal/cli"
)

// hinted attaches next steps for the operator to err; the CLI prints
// each on its own line after the error (cli.WithHint).
func hinted(err error, hints ...string) error { return cli.WithHint(err, hints...) }

// oneLine folds a message onto a single line, for the journal.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
