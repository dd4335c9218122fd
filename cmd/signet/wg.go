package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/statedir"
)

// newWGCmd builds "signet wg" and its verbs.
func newWGCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wg VERB",
		Short: "Make the WireGuard intake's key and show its peers",
		Long: `signet serve --wireguard FILE brings up a userspace WireGuard device (no
kernel module, no network setup) through which the peers listed in FILE,
such as signet-relay, reach the request API. See docs/wireguard.md.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr(withHint(errors.New("no wg verb given"), "run 'signet wg --help' to list them"))
		},
	}
	cmd.AddCommand(newWGKeygenCmd(), newWGShowCmd())
	return cmd
}

func newWGKeygenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "keygen",
		Short: "Make the box's WireGuard key (wg.key in the state directory) and print its public key",
		Long: `Write a new WireGuard private key to wg.key in the state directory (mode
0600; an existing file is never replaced) and print the public key, which
goes into each peer's configuration.`,
		Example: `  $ signet --state /var/lib/signet wg keygen`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := statedir.Path(stateDirOf(cmd), statedir.WGKey)
			k, err := wgintake.WritePrivateKey(path)
			if err != nil {
				return withHint(err, "a box keeps one WireGuard key; to replace it, move "+path+" away first and update every peer")
			}
			fmt.Fprintln(cmd.OutOrStdout(), k.Public())
			return nil
		},
	}
}

func newWGShowCmd() *cobra.Command {
	var asJSON int
	cmd := &cobra.Command{
		Use:   "show [--json]",
		Short: "Show the running intake's peers: last handshake and bytes",
		Long: `Ask the running daemon (signet serve --wireguard) for each peer's endpoint,
allowed address, last handshake and bytes received and sent.

--json prints one JSON object (docs/json.md); --json=1 pins schema 1.`,
		Example: `  $ signet --state /var/lib/signet wg show
  $ signet --state /var/lib/signet wg show --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkJSONVersion(asJSON, wgintake.ReportSchema); err != nil {
				return err
			}
			st, err := wgintake.ReadStatus(statedir.Path(stateDirOf(cmd), statedir.WGStatusSocket))
			if err != nil {
				return withHint(err, "is signet serve running with --wireguard on this state directory?")
			}
			if asJSON != 0 {
				return writeJSON(cmd.OutOrStdout(), wgintake.NewReport(st))
			}
			printWGStatus(cmd.OutOrStdout(), st, time.Now())
			return nil
		},
	}
	addJSONFlag(cmd, &asJSON, wgintake.ReportSchema)
	return cmd
}

// printWGStatus prints one block per peer, like wg(8).
func printWGStatus(w io.Writer, st []wgintake.PeerStatus, now time.Time) {
	for i, p := range st {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "peer: %s (%s)\n", p.Name, p.PublicKey)
		if p.Endpoint != "" {
			fmt.Fprintf(w, "  endpoint: %s\n", p.Endpoint)
		}
		fmt.Fprintf(w, "  allowed ips: %v\n", p.AllowedIPs)
		hs := "never"
		if !p.LastHandshake.IsZero() {
			hs = fmt.Sprintf("%s (%s ago)", p.LastHandshake.Format(time.RFC3339), now.Sub(p.LastHandshake).Round(time.Second))
		}
		fmt.Fprintf(w, "  latest handshake: %s\n", hs)
		fmt.Fprintf(w, "  transfer: %d B received, %d B sent\n", p.RxBytes, p.TxBytes)
	}
}
