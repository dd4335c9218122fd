package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/signetbox/signet/signer"
)

// insecureConsoleHelp is --insecure-console's help: what it risks.
const insecureConsoleHelp = "start even when other processes can type into the console (the kernel allows TIOCSTI, " +
	"or the console is shared with your shell's session): any of them could approve a request; development only"

// guardConsole makes the console the daemon's own terminal and refuses
// one that other processes can type into: one that stays shared with
// another session, or any console while the kernel allows TIOCSTI. With
// --insecure-console it starts anyway, and the console warns on every
// review and on its status line.
func guardConsole(log io.Writer, c *signer.Console, insecure bool) error {
	var risks, hints []string
	if err := c.Claim(); err != nil {
		risks = append(risks, err.Error())
		hints = append(hints, "run signet serve from its systemd unit (StandardInput=tty gives it the console), or start it with setsid(1) on a terminal no session uses")
	}
	if on, how := c.TIOCSTIAllowed(); on {
		risks = append(risks, "the kernel lets processes push keys into their terminal with TIOCSTI ("+how+")")
		hints = append(hints, "turn that off with 'sysctl -w dev.tty.legacy_tiocsti=0' (and a file in /etc/sysctl.d; the appliance image has one)")
	}
	if len(risks) == 0 {
		return nil
	}
	if !insecure {
		err := fmt.Errorf("other processes could type into the console: %s", strings.Join(risks, "; "))
		return withHint(err, append(hints, "to try signet out on a shared terminal, pass --insecure-console (development only)")...)
	}
	for _, r := range risks {
		fmt.Fprintf(log, "signet: warning: INSECURE CONSOLE (--insecure-console): %s\n", r)
	}
	c.SetWarning("INSECURE CONSOLE (--insecure-console): other processes can type here; development only")
	return nil
}

// stopHint is what the idle console says to Ctrl-C.
func stopHint() string {
	return fmt.Sprintf("Ctrl-C does not stop signet. To stop it: systemctl stop signet, or kill %d from another terminal.", os.Getpid())
}
