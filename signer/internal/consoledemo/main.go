// Command consoledemo shows one review on its terminal with signer's
// console prompt and writes the decision as JSON. Tests drive it in tmux.
//
// Usage:
//
//	consoledemo -review review.json -out decision.json [-timeout 30s] [-tty /dev/tty]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/signetbox/signet/signer"
)

// result is what consoledemo writes to -out.
type result struct {
	Outcome  signer.Outcome
	Operator string
	Error    string `json:",omitempty"`
}

func main() {
	review := flag.String("review", "", "JSON file holding a signer.Review")
	out := flag.String("out", "", "file to write the decision to")
	timeout := flag.Duration("timeout", 0, "deny after this long (default: the review's Deadline)")
	tty := flag.String("tty", "/dev/tty", "terminal to show the review on")
	flag.Parse()
	res := run(*review, *tty, *timeout)
	if err := writeResult(*out, res); err != nil {
		fmt.Fprintf(os.Stderr, "consoledemo: error: %v\n", err)
		os.Exit(1)
	}
}

// run shows the review in file on tty and returns the decision.
func run(file, tty string, timeout time.Duration) result {
	var r signer.Review
	b, err := os.ReadFile(file)
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	if err != nil {
		return result{Outcome: signer.OutcomeDenied, Error: fmt.Sprintf("reading -review: %v", err)}
	}
	if timeout > 0 {
		r.Deadline = time.Now().Add(timeout)
	}
	c, err := signer.OpenConsole(tty, signer.ConsoleOptions{})
	if err != nil {
		return result{Outcome: signer.OutcomeDenied, Error: err.Error()}
	}
	defer c.Close()
	d, err := c.Confirm(context.Background(), r)
	res := result{Outcome: d.Outcome, Operator: d.Operator}
	if err != nil {
		res.Error = err.Error()
	}
	return res
}

// writeResult writes res to path atomically, so a reader never sees half.
func writeResult(path string, res result) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("writing -out: %w", err)
	}
	return os.Rename(tmp, path)
}
