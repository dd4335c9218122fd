package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/daemon"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/keydevice"
)

// statusArgs holds the flags of "signet status".
type statusArgs struct {
	socket string
	json   int
}

// newStatusCmd builds "signet status".
func newStatusCmd() *cobra.Command {
	a := &statusArgs{}
	cmd := &cobra.Command{
		Use:   "status [--state DIR | --socket SOCKET] [--json]",
		Short: "Show the authority, the box's key and the queue of the running daemon",
		Long: `Show what the running daemon holds, like 'tailscale lock status': the head
of the authority chain, the trusted keys and their votes, the number of
disablement values, the box's own key and whether it is trusted, the key
device's state, and how many requests wait for the console.

signet serve records where its socket is in the state directory
(serve.json), so --state DIR finds the daemon of DIR wherever its socket
is. A record that no daemon answers to, or that another daemon answers
to, is stale and is an error. --socket asks that socket instead; without
either, the record in the default state directory is used if it can be
read, else the default socket.

--json prints one JSON object (docs/json.md); --json=1 pins schema 1.`,
		Example: `  $ signet status --state /var/lib/signet
  $ signet status --socket /run/signet/signet.sock --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkJSONVersion(a.json, daemon.StatusSchema); err != nil {
				return err
			}
			if cmd.Flags().Changed("socket") && cmd.Flags().Changed(stateFlag) {
				return usageErrorf("give either --state or --socket, not both")
			}
			st, err := daemon.AskStatus(cmd.Context(), daemon.Where{Dir: stateDirOf(cmd), DirGiven: cmd.Flags().Changed(stateFlag),
				Socket: a.socket, SocketGiven: cmd.Flags().Changed("socket")})
			if err != nil {
				return err
			}
			return printStatus(cmd.OutOrStdout(), st, a.json != 0)
		},
	}
	cmd.Flags().StringVar(&a.socket, "socket", defaultSocket, "the daemon's unix `SOCKET` (default: the one serve.json in the state directory names)")
	addJSONFlag(cmd, &a.json, daemon.StatusSchema)
	return cmd
}

// hsmLine describes the key device in one line.
func hsmLine(h keydevice.State) string {
	if h.Error != "" {
		return h.Backend + ", could not be read: " + h.Error
	}
	if !h.Present {
		return h.Backend + ", NOT present"
	}
	line := h.Backend + ", present"
	if h.Lockout {
		line += ", LOCKED OUT"
	}
	if h.PINTriesLeft != nil {
		line += fmt.Sprintf(", %d PIN tries left", *h.PINTriesLeft)
	}
	if h.Policy != "" {
		line += ", " + h.Policy
	}
	return line
}

func printStatus(w io.Writer, st *api.StatusInfo, asJSON bool) error {
	r := daemon.NewStatusReport(st)
	if asJSON {
		return writeJSON(w, r)
	}
	trusted := "NOT trusted by the authority"
	if r.BoxKeyTrusted {
		trusted = "trusted"
	}
	fmt.Fprintf(w, "head: %s\n", r.Head)
	fmt.Fprintf(w, "box key: %s (%s)\n", r.BoxKey, trusted)
	fmt.Fprintf(w, "trusted keys: %d\n", len(r.TrustedKeys))
	for _, k := range r.TrustedKeys {
		fmt.Fprintf(w, "  %s votes %d\n", k.PublicKey, k.Votes)
	}
	fmt.Fprintf(w, "disablement values: %d\n", r.DisablementValues)
	if r.KeyDevice != nil {
		fmt.Fprintf(w, "key device: %s\n", cli.Plain(hsmLine(*r.KeyDevice)))
	}
	_, err := fmt.Fprintf(w, "queue: %d\n", r.Queue)
	return err
}
