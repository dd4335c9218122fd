package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is the version of signet. The Makefile sets it with
// -ldflags "-X main.Version=..."; when empty, version() reads the module
// build information instead.
var Version string

// versionArgs holds the flags of "signet version".
type versionArgs struct {
	long bool // also print the Go version, platform and VCS state
}

// newVersionCmd builds "signet version".
func newVersionCmd() *cobra.Command {
	args := &versionArgs{}
	cmd := &cobra.Command{
		Use:   "version [flags]",
		Short: "Print the version of signet",
		Long: `Print the version of signet as "signet VERSION" on stdout.

With --long, also print how the binary was built, one "key value" pair
per line.`,
		Example: `  $ signet version
  signet v0.1.0`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVersion(cmd.OutOrStdout(), args)
		},
	}
	cmd.Flags().BoolVar(&args.long, "long", false, "also print the Go version, platform and VCS revision")
	return cmd
}

// runVersion prints the version, and the build details when asked.
func runVersion(w io.Writer, args *versionArgs) error {
	if _, err := fmt.Fprintf(w, "signet %s\n", version()); err != nil {
		return fmt.Errorf("writing version: %w", err)
	}
	if !args.long {
		return nil
	}
	for _, kv := range buildDetails() {
		if _, err := fmt.Fprintf(w, "%s %s\n", kv[0], kv[1]); err != nil {
			return fmt.Errorf("writing build details: %w", err)
		}
	}
	return nil
}

// version returns Version, else the main module version recorded by the Go
// toolchain, else "devel".
func version() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}

// buildDetails returns the Go version, platform and the VCS settings the
// toolchain recorded, as key/value pairs.
func buildDetails() [][2]string {
	kv := [][2]string{{"go", runtime.Version()}, {"platform", runtime.GOOS + "/" + runtime.GOARCH}}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return kv
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision", "vcs.time", "vcs.modified", "CGO_ENABLED", "-buildmode", "-tags":
			kv = append(kv, [2]string{s.Key, s.Value})
		}
	}
	return kv
}
