package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
)

// statusArgs holds the flags of "signet status".
type statusArgs struct {
	socket string
	json   bool
}

// newStatusCmd builds "signet status".
func newStatusCmd() *cobra.Command {
	a := &statusArgs{}
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "Show the authority, the box's key and the queue of the running daemon",
		Long: `Show what the running daemon holds, like 'tailscale lock status': the head
of the authority chain, the trusted keys and their votes, the number of
disablement values, the box's own key and whether it is trusted, and how
many requests wait for the console.`,
		Example: `  $ signet status`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := signer.NewClient(a.socket).Status(cmd.Context())
			if err != nil {
				return withHint(err, "start the daemon with 'signet serve', or pass --socket")
			}
			return printStatus(cmd.OutOrStdout(), st, a.json)
		},
	}
	cmd.Flags().StringVar(&a.socket, "socket", defaultSocket, "the daemon's unix `SOCKET`")
	cmd.Flags().BoolVar(&a.json, "json", false, "print JSON")
	return cmd
}

// hsmLine describes the key device in one line.
func hsmLine(h signer.HSMStatus) string {
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
	if h.PINRetries >= 0 {
		line += fmt.Sprintf(", %d PIN tries left", h.PINRetries)
	}
	if h.Policy != "" {
		line += ", " + h.Policy
	}
	return line
}

func printStatus(w io.Writer, st *signer.StatusInfo, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	trusted := "NOT trusted by the authority"
	if st.BoxKeyTrusted {
		trusted = "trusted"
	}
	fmt.Fprintf(w, "head: %s\n", st.Head)
	fmt.Fprintf(w, "box key: %s (%s)\n", st.BoxKey, trusted)
	fmt.Fprintf(w, "trusted keys: %d\n", len(st.Keys))
	for i, k := range st.Keys {
		fmt.Fprintf(w, "  %s votes %d\n", k, st.Votes[i])
	}
	fmt.Fprintf(w, "disablement values: %d\n", st.DisablementValues)
	if st.HSM != nil {
		fmt.Fprintf(w, "key device: %s\n", hsmLine(*st.HSM))
	}
	fmt.Fprintf(w, "queue: %d\n", st.Queue)
	return nil
}
