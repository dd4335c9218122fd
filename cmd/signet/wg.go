package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
)

// Files of the WireGuard intake in the state directory.
const (
	wgKeyFile    = "wg.key"  // the box's WireGuard private key, mode 0600
	wgStatusSock = "wg.sock" // "signet wg show" reads the running device here
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
			path := filepath.Join(stateDirOf(cmd), wgKeyFile)
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
	return &cobra.Command{
		Use:   "show",
		Short: "Show the running intake's peers: last handshake and bytes",
		Long: `Ask the running daemon (signet serve --wireguard) for each peer's endpoint,
allowed address, last handshake and bytes received and sent.`,
		Example: `  $ signet --state /var/lib/signet wg show`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := wgintake.ReadStatus(filepath.Join(stateDirOf(cmd), wgStatusSock))
			if err != nil {
				return withHint(err, "is signet serve running with --wireguard on this state directory?")
			}
			printWGStatus(cmd.OutOrStdout(), st, time.Now())
			return nil
		},
	}
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

// startWireGuard brings up the intake described by the file at cfgPath
// and serves svc's API in the tunnel until ctx is done. stop closes the
// device and the status socket.
func startWireGuard(ctx context.Context, log io.Writer, dir, cfgPath string, svc *signer.Service) (stop func(), err error) {
	cfg, err := wgintake.LoadConfig(cfgPath)
	if err != nil {
		return nil, withHint(err, "see docs/wireguard.md for the file's fields")
	}
	priv, err := wgintake.ReadPrivateKey(filepath.Join(dir, wgKeyFile))
	if err != nil {
		return nil, withHint(err, "make the key with 'signet wg keygen'")
	}
	tun, err := wgintake.Up(priv, cfg)
	clear(priv[:])
	if err != nil {
		return nil, err
	}
	l, err := tun.Listen()
	if err != nil {
		tun.Close()
		return nil, err
	}
	sl, err := wgintake.ListenStatus(filepath.Join(dir, wgStatusSock))
	if err != nil {
		l.Close()
		tun.Close()
		return nil, err
	}
	go tun.ServeStatus(sl)
	for _, p := range cfg.Peers {
		if p.RatePerMinute > 0 {
			svc.SetRequesterRate("wireguard:"+p.Name, p.RatePerMinute)
		}
	}
	go func() {
		if err := svc.ServeNet(ctx, l, tun.PeerName); err != nil {
			fmt.Fprintf(log, "signet: error: the WireGuard intake stopped: %v\n", err)
		}
	}()
	fmt.Fprintf(log, "signet: WireGuard intake on UDP port %d, API at %s port %d, %d peers\n", cfg.ListenPort, cfg.Address, cfg.APIPort, len(cfg.Peers))
	return func() { sl.Close(); l.Close(); tun.Close() }, nil
}
