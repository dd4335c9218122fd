package main

import (
	"github.com/spf13/cobra"

	"github.com/signetbox/signet/daemon"
	"github.com/signetbox/signet/signer"
)

// newServeCmd builds "signet serve".
func newServeCmd() *cobra.Command {
	a := daemon.Options{}
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the signing daemon: requests in, console confirmation, signatures out",
		Long: `Run the daemon. It opens the key named by key.uri in the state directory,
the chain store and the journal, takes the console terminal, and serves
the request API on a unix socket (mode 0660, group --group). Each request
is validated against the authority, journaled, shown on the console, and
signed only when the operator types the approval code shown there.

Only one daemon may use a state directory; it records where its socket
is in serve.json there, so 'signet status --state DIR' and 'signet key
show' find it (the file goes when it stops). A software key (soft:) is
refused unless --insecure-soft-key is given; the console then warns on
every request. With --demo-authority, an empty chain store gets a new
demo authority trusting the box's key, for trying signet out.

The console must be the daemon's own: it becomes the controlling
terminal of a session the daemon leads, and the kernel must refuse
TIOCSTI key injection (dev.tty.legacy_tiocsti=0). Otherwise serve
refuses to start, unless --insecure-console is given; the console then
warns on every review. Between reviews nothing typed is shown, and
Ctrl-C only says how to stop the service.`,
		Example: `  $ signet serve --state /var/lib/signet --console /dev/tty1
  $ signet serve --state .state --socket .state/signet.sock --insecure-soft-key --insecure-console --demo-authority`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ks, err := loadKeyState(stateDirOf(cmd))
			if err != nil {
				return err
			}
			a.GroupGiven, a.Log = cmd.Flags().Changed("group"), cmd.ErrOrStderr()
			return daemon.Run(cmd.Context(), ks, a)
		},
	}
	f := cmd.Flags()
	f.StringVar(&a.Socket, "socket", defaultSocket, "serve the API on this unix `SOCKET`")
	f.StringVar(&a.Group, "group", "signet", "`GROUP` that may use the socket; it must exist when given (the default is skipped if missing, \"\" for none)")
	f.StringVar(&a.Console, "console", "", "the console terminal `DEVICE` (default: this terminal)")
	f.DurationVar(&a.ReviewTimeout, "review-timeout", signer.DefaultPolicy.ReviewTimeout, "deny a request not decided within `DURATION`")
	f.BoolVar(&a.InsecureSoftKey, "insecure-soft-key", false, "allow a software key (development only)")
	f.BoolVar(&a.InsecureConsole, "insecure-console", false, insecureConsoleHelp)
	f.BoolVar(&a.Demo, "demo-authority", false, "create a demo authority if the chain store is empty")
	f.BoolVar(&a.NoColor, "no-color", false, "no colours on the console")
	f.BoolVar(&a.QRResults, "qr-results", false, "after each release, show the result as a QR code on the console (Enter continues)")
	f.BoolVar(&a.AllowUnconfined, "allow-unconfined", false, "run even if the kernel has no Landlock (the daemon can then open any file its user can)")
	f.StringVar(&a.WireGuard, "wireguard", "", "also serve the API to the WireGuard peers in config `FILE` (docs/wireguard.md)")
	return cmd
}

// insecureConsoleHelp is --insecure-console's help: what it risks.
const insecureConsoleHelp = "start even when other processes can type into the console (the kernel allows TIOCSTI, " +
	"or the console is shared with your shell's session): any of them could approve a request; development only"
