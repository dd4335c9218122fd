package main

import (
	"fmt"
	"io"
	"time"

	"github.com/signetbox/signet/api"
)

// progressPrinter tells the person waiting on `signet sign`, `approve`
// and the other request verbs what the daemon is doing once the console
// approved: unlocking the key (its PIN is typed there), then "signing 120 of 500"
// about once a second, and the last count.
func progressPrinter(w io.Writer) func(api.Progress) {
	var last time.Time
	return func(p api.Progress) {
		switch p.State {
		case api.ProgressUnlocking:
			fmt.Fprintf(w, "signet: request %s approved; unlocking the key (type its PIN on the signet console if it asks)\n", p.ID)
		case api.ProgressSigning:
			if now := time.Now(); p.Done == p.Total || now.Sub(last) >= time.Second {
				last = now
				fmt.Fprintf(w, "signet: signing %d of %d\n", p.Done, p.Total)
			}
		}
	}
}
