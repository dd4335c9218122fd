package daemon

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/signer"
)

// GuardConsole makes the console the daemon's own terminal and refuses
// one that other processes can type into (terminal.TTY.Claimed). With
// insecure (--insecure-console) it starts anyway: each risk is a warning
// on log, and the console warns on every review and on its status line.
func GuardConsole(log io.Writer, c *signer.Console, insecure bool) error {
	risks := c.TTY().Claimed()
	if len(risks) == 0 {
		return nil
	}
	var whats, hints []string
	for _, r := range risks {
		whats, hints = append(whats, r.What), append(hints, r.Hint)
	}
	if !insecure {
		err := fmt.Errorf("other processes could type into the console: %s", strings.Join(whats, "; "))
		return cli.WithHint(err, append(hints, "to try signet out on a shared terminal, pass --insecure-console (development only)")...)
	}
	for _, w := range whats {
		fmt.Fprintf(log, "signet: warning: INSECURE CONSOLE (--insecure-console): %s\n", w)
	}
	c.SetWarning("INSECURE CONSOLE (--insecure-console): other processes can type here; development only")
	return nil
}

// StopHint is what the idle console says to Ctrl-C.
func StopHint() string {
	return fmt.Sprintf("Ctrl-C does not stop signet. To stop it: systemctl stop signet, or kill %d from another terminal.", os.Getpid())
}
