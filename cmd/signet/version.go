package main

import (
	"encoding/json"
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

// Commit, CommitTime and TreeClean ("true" or "false") are set by the
// Makefile too, for builds where the Go toolchain records no VCS stamp
// (a git worktree, -buildvcs=false); the stamp wins when there is one.
var Commit, CommitTime, TreeClean string

// versionArgs holds the flags of "signet version".
type versionArgs struct {
	long bool // also print the Go version, platform and VCS state
	json int  // --json schema version; 0 prints text
}

// versionSchema is the schema version of "signet version --json".
const versionSchema = 1

// versionJSON is what "signet version --json" prints. Commit, CommitTime
// and TreeClean come from the VCS stamp the Go toolchain records (go
// build in a git checkout); a binary built without one omits them.
type versionJSON struct {
	Schema     int    `json:"schema_version"`
	Version    string `json:"version"`
	Commit     string `json:"commit,omitempty"`
	CommitTime string `json:"commit_time,omitempty"`
	TreeClean  *bool  `json:"tree_clean,omitempty"`
	Go         string `json:"go"`
	Platform   string `json:"platform"`
}

// newVersionCmd builds "signet version".
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
	addJSONFlag(cmd, &args.json, versionSchema)
	return cmd
}

// runVersion prints the version, and the build details when asked.
func runVersion(w io.Writer, args *versionArgs) error {
	if err := checkJSONVersion(args.json, versionSchema); err != nil {
		return err
	}
	if args.json != 0 && args.long {
		return usageErrorf("--long and --json cannot be used together; pick one")
	}
	if args.json != 0 {
		b, err := json.Marshal(versionInfo())
		if err != nil {
			return fmt.Errorf("encoding the version: %w", err)
		}
		if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
			return fmt.Errorf("writing version: %w", err)
		}
		return nil
	}
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

// versionInfo collects what "signet version --json" prints.
func versionInfo() versionJSON {
	v := versionJSON{Schema: versionSchema, Version: version(), Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		Commit: Commit, CommitTime: CommitTime}
	if TreeClean != "" {
		clean := TreeClean == "true"
		v.TreeClean = &clean
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			clean := s.Value != "true"
			v.TreeClean = &clean
		}
	}
	return v
}
