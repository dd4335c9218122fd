package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/internal/cli"
)

// Version is the version of signet. The Makefile sets it with
// -ldflags "-X main.Version=..."; when empty, version() reads the module
// build information instead.
var Version string

// Commit, CommitTime and TreeClean ("true" or "false") are set by the
// Makefile too, for builds where the Go toolchain records no VCS stamp
// (a git worktree, -buildvcs=false); the stamp wins when there is one.
var Commit, CommitTime, TreeClean string

// build is what the Makefile stamped into this binary.
func build() cli.Build {
	return cli.Build{Version: Version, Commit: Commit, CommitTime: CommitTime, TreeClean: TreeClean}
}

// version returns the stamped version, else the main module version
// recorded by the Go toolchain, else "devel".
func version() string { return build().VersionString() }

// versionArgs holds the flags of "signet version".
type versionArgs struct {
	long bool // also print the Go version, platform and VCS state
	json int  // --json schema version; 0 prints text
}

// newVersionCmd builds "signet version". Its output is internal/cli's,
// as signet-relay's; its --json takes a schema version (json.go).
func newVersionCmd() *cobra.Command {
	args := &versionArgs{}
	cmd := &cobra.Command{
		Use:   "version [flags]",
		Short: "Print the version of signet",
		Long: `Print the version of signet as "signet VERSION" on stdout.

With --long, also print how the binary was built, one "key value" pair
per line. With --json, print one JSON object (docs/json.md): schema_version
(1), version, commit, commit_time, tree_clean (false when the tree had
uncommitted changes), go and platform. commit, commit_time and
tree_clean are left out when the build recorded no commit.`,
		Example: `  $ signet version
  signet 0.1.0
  $ signet version --json
  {"schema_version":1,"version":"0.1.0","commit":"495fa39...","commit_time":"2026-11-23T17:39:08Z","tree_clean":true,"go":"go1.26.8","platform":"linux/amd64"}`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVersion(cmd.OutOrStdout(), args)
		},
	}
	cmd.Flags().BoolVar(&args.long, "long", false, "also print the Go version, platform and VCS revision")
	addJSONFlag(cmd, &args.json, cli.VersionSchema)
	return cmd
}

// runVersion prints the version, and the build details when asked.
func runVersion(w io.Writer, args *versionArgs) error {
	if err := checkJSONVersion(args.json, cli.VersionSchema); err != nil {
		return err
	}
	switch {
	case args.json != 0 && args.long:
		return usageErrorf("--long and --json cannot be used together; pick one")
	case args.json != 0:
		return cli.PrintVersionJSON(w, build())
	}
	return cli.PrintVersion(w, prog, build(), args.long)
}
