package main

import (
	"errors"
	"fmt"
	"log"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/relay"
)

// prog is the binary's name in messages, usage lines and man pages.
const prog = "signet-relay"

// relayArgs holds the root command's flags.
type relayArgs struct {
	relay.Options
	keygen  bool // make DIR/wg.key, print its public key, and exit
	version bool // the old spelling of "signet-relay version"
}

// newRootCmd builds the whole command tree. Help, man pages and
// completion all come from this one tree.
func newRootCmd() *cobra.Command {
	args := &relayArgs{}
	root := &cobra.Command{
		Use:   prog + " --wireguard FILE [flags]",
		Short: "Connect a signet box to a tailnet",
		Long: `signet-relay runs on an online machine as a tailnet node and as the one
WireGuard peer of an offline signet box. Every two seconds it asks the box
to sign the nodes Tailnet Lock keeps out, forwards AUMs the tailnet has
past the box's head, and delivers what the box signed to the tailnet,
keeping every result in a queue in DIR until the box has journaled its
delivery. Approval happens only on the box's console.

A new relay first makes its WireGuard key with --keygen and gives the
public key it prints to the box's intake; its first start joins the
tailnet with --auth-key-file. Every file is read and checked before the
relay opens a socket.

With --metrics-port it serves Prometheus metrics at /metrics and a health
check at /healthz, on its tailnet address only. With --notify-url-file it
posts a short JSON notice to a chat webhook when a locked-out node is
forwarded to the box, when a result is delivered or fails, and when the
box denies a request. docs/relay.md has the metrics, the notices and
alert rules. Like tailscaled, the relay's tsnet node uploads its own
tailscale logs (connection and control traffic, never a request or a
key) to Tailscale's log service; --no-logs-no-support turns that off.

signet-relay.service runs it with --dir /var/lib/signet-relay and
--wireguard /etc/signet-relay/wireguard.json, plus the options in
SIGNET_RELAY_OPTS in /etc/default/signet-relay. Options may also be
written with one dash (-dir DIR), as earlier releases took them.

The exit status is 0 after SIGINT or SIGTERM, 1 when the relay could not
start or failed, and 2 for a usage error.`,
		Example: `  $ signet-relay --dir /var/lib/signet-relay --keygen
  hR8z0Bq4lD4XWG6cKsyKPh1W1R9qgd5DEfJ6Dr2DuEY=
  $ signet-relay --dir /var/lib/signet-relay --wireguard relay-wg.json --auth-key-file key.txt`,
		Annotations: map[string]string{"usage": `  signet-relay --wireguard FILE [options]
  signet-relay --keygen [--dir DIR]
  signet-relay version [--long | --json]
  signet-relay completion SHELL`},
		Args: rootArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRelay(cmd, args) },
		// Suggest a command within two edits of a typo.
		SuggestionsMinimumDistance: 2,
	}
	addFlags(root.Flags(), args)
	root.AddCommand(cli.NewVersionCmd(prog, build()))
	root.SetFlagErrorFunc(cli.FlagError)
	setHelp(root)
	root.InitDefaultHelpFlag()
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	return root
}

// addFlags defines the root command's flags on fs.
func addFlags(fs *pflag.FlagSet, a *relayArgs) {
	fs.SortFlags = false // in this order: --wireguard first, as in the usage lines
	fs.StringVar(&a.WireGuard, "wireguard", "", "WireGuard `FILE`: this relay's tunnel address and the box as its one peer")
	fs.StringVar(&a.Dir, "dir", "/var/lib/signet-relay", "state `DIR`: tsnet state, wg.key, queue.json")
	fs.StringVar(&a.Hostname, "hostname", "signet-relay", "tailnet `NAME` of this node")
	fs.StringVar(&a.ControlURL, "control-url", "", "control server `URL` (default: Tailscale's)")
	fs.StringVar(&a.AuthKeyFile, "auth-key-file", "", "read a pre-auth key from `FILE` (first start only)")
	fs.IntVar(&a.MetricsPort, "metrics-port", 0, "serve /metrics and /healthz on `PORT` of the relay's tailnet address (0: off)")
	fs.StringVar(&a.NotifyURLFile, "notify-url-file", "", "post events to the webhook URL in `FILE` (the URL is a secret)")
	fs.BoolVar(&a.NoLogsNoSupport, "no-logs-no-support", false, "do not upload this node's tailscale logs to Tailscale (as tailscaled's flag; support then cannot read them)")
	fs.BoolVar(&a.keygen, "keygen", false, "make DIR/wg.key, print its public key, and exit")
	fs.BoolVar(&a.version, "version", false, "print the version and exit (as the version command)")
	fs.MarkHidden("version")
	// Shell completion offers files and directories for these.
	cobra.MarkFlagDirname(fs, "dir")
	for _, name := range []string{"auth-key-file", "wireguard", "notify-url-file"} {
		cobra.MarkFlagFilename(fs, name)
	}
}

// rootArgs refuses arguments: signet-relay takes only flags and the
// commands cobra matched before calling it.
func rootArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hints := []string{"run 'signet-relay --help' for its options"}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hints = append([]string{fmt.Sprintf("did you mean %q?", s[0])}, hints...)
	}
	return cli.Usage(cli.WithHint(fmt.Errorf("unknown command %q; signet-relay takes options only", args[0]), hints...))
}

// runRelay makes the key (--keygen) or runs the relay until the context
// ends.
func runRelay(cmd *cobra.Command, a *relayArgs) error {
	if a.version {
		return cli.PrintVersion(cmd.OutOrStdout(), prog, build(), false)
	}
	if a.keygen {
		pub, err := relay.Keygen(a.Dir)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), pub)
		return err
	}
	if err := checkArgs(a); err != nil {
		return err
	}
	s, err := relay.Load(a.Options, log.Printf)
	if errors.Is(err, relay.ErrNoKey) {
		return cli.WithHint(err, fmt.Sprintf("run 'signet-relay --dir %s --keygen' once, and add the public key it prints to the box's intake (docs/relay.md)", a.Dir))
	}
	if err != nil {
		return err
	}
	return s.Serve(cmd.Context(), log.Printf)
}

// checkArgs checks the flags that need no file read: a mistake here is a
// usage error.
func checkArgs(a *relayArgs) error {
	switch {
	case a.WireGuard == "":
		return cli.Usage(cli.WithHint(errors.New("--wireguard is required"),
			"give the tunnel config that names the box as the one peer (docs/relay.md)",
			"a new relay makes its key first: signet-relay --dir DIR --keygen"))
	case a.Dir == "":
		return cli.Usagef("--dir is empty; give the relay's state directory")
	case a.Hostname == "":
		return cli.Usagef("--hostname is empty; give the relay's name on the tailnet")
	case a.MetricsPort < 0 || a.MetricsPort > 65535:
		return cli.Usagef("--metrics-port is %d; give a TCP port from 1 to 65535, or 0 for no metrics", a.MetricsPort)
	}
	return nil
}
