package main

// Shared by the verbs that ask a running daemon (`signet serve`) for a
// signature: the socket flag, request IDs and how answers are printed.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/api"
)

// defaultSocket is where `signet serve` listens unless told otherwise.
const defaultSocket = "/run/signet/signet.sock"

// clientArgs are the flags every daemon-talking verb has.
type clientArgs struct {
	socket string
	id     string
	json   bool
}

func addClientFlags(cmd *cobra.Command, a *clientArgs) {
	cmd.Flags().StringVar(&a.socket, "socket", defaultSocket, "the daemon's unix `SOCKET`")
	cmd.Flags().StringVar(&a.id, "id", "", "request `ID` (default: random); sending the same ID again returns the first answer")
	cmd.Flags().BoolVar(&a.json, "json", false, "print the daemon's answer as JSON")
}

// send fills in the request ID, sends req and prints the answer. It waits
// until the operator decided on the box's console; Ctrl-C withdraws the
// request (the daemon then records a denial). It says "waiting for
// confirmation" only once the daemon has queued the request: a request
// answered at once (already signed, refused) never reaches the console.
func send(cmd *cobra.Command, a *clientArgs, req *api.Request) error {
	req.ID = a.id
	if err := req.Prepare(); errors.Is(err, api.ErrInvalidID) {
		return usageErrorf("--id must be 1 to 64 letters, digits or . _ : -")
	} else if err != nil {
		return refuseSecret(err)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
	defer stop()
	ctx = api.WithQueued(ctx, func(q api.Queued) {
		fmt.Fprintf(cmd.ErrOrStderr(), "signet: request %s queued%s; waiting for confirmation on the signet console (Ctrl-C withdraws it)\n", req.ID, queuedWhat(req.Kind, q))
	})
	resp, err := api.NewUnixClient(a.socket).SendWatching(ctx, req, progressPrinter(cmd.ErrOrStderr()))
	if err != nil {
		return withHint(err, "start the daemon with 'signet serve', or pass --socket")
	}
	return printResponse(cmd.OutOrStdout(), resp, a.json)
}

// queuedWhat says what the queued review asks for, in the console's
// numbers.
func queuedWhat(kind api.Kind, q api.Queued) string {
	switch kind {
	case api.KindBatch:
		return fmt.Sprintf(": %d node signature(s) to approve, %d node(s) already signed and skipped", q.Signatures, q.AlreadySigned)
	case api.KindAddKey, api.KindRemoveKey, api.KindUpdateKey, api.KindCheckpoint:
		return fmt.Sprintf(": %d AUM(s) to approve", q.Signatures)
	}
	return ""
}

// printResponse prints an answer; a refusal becomes the verb's error.
func printResponse(w io.Writer, resp *api.Response, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(resp); err != nil {
			return err
		}
	}
	switch resp.Status {
	case api.StatusSigned, api.StatusAlreadySigned:
	case api.StatusBusy:
		return withHint(fmt.Errorf("the daemon is busy: %s", resp.Error), "try again when the console queue is shorter")
	default:
		return fmt.Errorf("request %s %s: %s", resp.ID, resp.Status, resp.Error)
	}
	if asJSON {
		return nil
	}
	fmt.Fprintf(w, "status: %s\n", resp.Status)
	if resp.Signature != "" {
		fmt.Fprintf(w, "signature: %s\n", resp.Signature)
	}
	for _, a := range resp.AUMs {
		fmt.Fprintf(w, "aum: %s\n", a)
	}
	if resp.WrappedAuthKey != "" {
		fmt.Fprintf(w, "wrapped-auth-key: %s\n", resp.WrappedAuthKey)
	}
	for _, n := range resp.Nodes {
		fmt.Fprintln(w, strings.TrimSpace(n.NodeKey+" "+n.Signature+" "+n.Note))
	}
	for _, d := range resp.Deliver {
		fmt.Fprintf(w, "deliver: %s\n", d)
	}
	return nil
}

// refuseSecret turns api.ErrSecretOutsideAuthKey, a request whose input
// holds a Tailscale secret, into the CLI's refusal; other errors pass.
func refuseSecret(err error) error {
	if errors.Is(err, api.ErrSecretOutsideAuthKey) {
		return usageErr(withHint(errSecretInput, secretHints...))
	}
	return err
}
