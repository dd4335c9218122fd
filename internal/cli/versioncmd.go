package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// NewVersionCmd builds "PROG version [--long | --json]" for the binary
// prog, stamped with b.
func NewVersionCmd(prog string, b Build) *cobra.Command {
	var long, asJSON bool
	cmd := &cobra.Command{
		Use:   "version [flags]",
		Short: "Print the version of " + prog,
		Long: fmt.Sprintf(`Print the version of %s as "%s VERSION" on stdout.

With --long, also print how the binary was built, one "key value" pair
per line. With --json, print one JSON object (docs/json.md): schema_version
(1), version, commit, commit_time, tree_clean (false when the tree had
uncommitted changes), go and platform. commit, commit_time and
tree_clean are left out when the build recorded no commit.`, prog, prog),
		Example: fmt.Sprintf(`  $ %s version
  %s 0.1.0
  $ %s version --json
  {"schema_version":1,"version":"0.1.0","commit":"495fa39...","commit_time":"2026-11-23T17:39:08Z","tree_clean":true,"go":"go1.26.8","platform":"linux/amd64"}`, prog, prog, prog),
		Args: NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case long && asJSON:
				return Usagef("--long and --json cannot be used together; pick one")
			case asJSON:
				return PrintVersionJSON(cmd.OutOrStdout(), b)
			}
			return PrintVersion(cmd.OutOrStdout(), prog, b, long)
		},
	}
	cmd.Flags().BoolVar(&long, "long", false, "also print the Go version, platform and VCS revision")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema version 1): version, commit, tree_clean, go, platform")
	return cmd
}

// PrintVersion writes "prog VERSION" and, with long, the build details.
func PrintVersion(w io.Writer, prog string, b Build, long bool) error {
	if _, err := fmt.Fprintf(w, "%s %s\n", prog, b.VersionString()); err != nil {
		return fmt.Errorf("writing the version: %w", err)
	}
	if !long {
		return nil
	}
	for _, kv := range BuildDetails() {
		if _, err := fmt.Fprintf(w, "%s %s\n", kv[0], kv[1]); err != nil {
			return fmt.Errorf("writing the build details: %w", err)
		}
	}
	return nil
}

// PrintVersionJSON writes b's [VersionInfo] as one JSON object and a
// newline.
func PrintVersionJSON(w io.Writer, b Build) error {
	out, err := json.Marshal(b.Info())
	if err != nil {
		return fmt.Errorf("encoding the version: %w", err)
	}
	if _, err := fmt.Fprintf(w, "%s\n", out); err != nil {
		return fmt.Errorf("writing the version: %w", err)
	}
	return nil
}
