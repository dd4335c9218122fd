package cli

import (
	"runtime"
	"runtime/debug"
)

// VersionSchema is the schema version of "version --json".
const VersionSchema = 1

// Build is what the Makefile stamps into a binary with -ldflags -X: the
// version, and the commit, its time and whether the tree was clean
// ("true" or "false") for builds where the Go toolchain records no VCS
// stamp (a git worktree, -buildvcs=false). Any field may be empty.
type Build struct {
	Version, Commit, CommitTime, TreeClean string
}

// VersionInfo is what "version --json" prints (docs/json.md). Commit,
// CommitTime and TreeClean are left out when the build recorded no
// commit.
type VersionInfo struct {
	Schema     int    `json:"schema_version"`
	Version    string `json:"version"`
	Commit     string `json:"commit,omitempty"`
	CommitTime string `json:"commit_time,omitempty"`
	TreeClean  *bool  `json:"tree_clean,omitempty"`
	Go         string `json:"go"`
	Platform   string `json:"platform"`
}

// VersionString returns the stamped version, else the main module
// version the Go toolchain recorded, else "devel".
func (b Build) VersionString() string {
	if b.Version != "" {
		return b.Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}

// Info returns the version and build facts. The toolchain's VCS stamp,
// when there is one, wins over the Makefile's.
func (b Build) Info() VersionInfo {
	v := VersionInfo{Schema: VersionSchema, Version: b.VersionString(), Go: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, Commit: b.Commit, CommitTime: b.CommitTime}
	if b.TreeClean != "" {
		clean := b.TreeClean == "true"
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

// BuildDetails returns the Go version, the platform and the build
// settings the toolchain recorded (VCS state, cgo, build mode, tags), as
// key/value pairs for "version --long".
func BuildDetails() [][2]string {
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
