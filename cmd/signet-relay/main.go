// Command signet-relay connects a signet box to a tailnet: it runs as a
// tailnet node (tsnet), reaches the box through the box's WireGuard
// intake, asks the box to sign locked-out nodes, forwards new AUMs to the
// box, and delivers what the box signed. It can serve Prometheus metrics
// on its tailnet address and post events to a chat webhook. See
// docs/relay.md and signet-relay(1).
//
// root.go holds the command line; the work is in internal/relay. main
// only parses, calls and prints.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/signetbox/signet/internal/cli"
)

// Version is set by the Makefile (-ldflags -X main.Version=...); when
// empty, the module build information or "devel" is used.
var Version string

// Commit, CommitTime and TreeClean ("true" or "false") are set by the
// Makefile for builds where the Go toolchain records no VCS stamp.
var Commit, CommitTime, TreeClean string

// build is what the Makefile stamped into this binary.
func build() cli.Build {
	return cli.Build{Version: Version, Commit: Commit, CommitTime: CommitTime, TreeClean: TreeClean}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string) int {
	root := newRootCmd()
	return cli.Execute(ctx, root, oneDashFlags(root, args), os.Stdout, os.Stderr)
}
