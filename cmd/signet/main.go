// Command signet is a hardware-backed Tailnet Lock signing node.
//
// Every verb lives in its own file with a constructor newXCmd and an args
// struct; root.go lists the verbs. main only parses, calls and prints.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/signetbox/signet/internal/cli"
)

func main() {
	if err := harden(); err != nil {
		printError(os.Stderr, err)
		os.Exit(cli.ExitError)
	}
	if testOnlyAfterHarden != nil {
		testOnlyAfterHarden()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
