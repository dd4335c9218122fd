package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// TestManPageFlags checks that signet-relay.1 describes every flag and no
// flag that is gone.
func TestManPageFlags(t *testing.T) {
	b, err := os.ReadFile("signet-relay.1")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	fs := flag.NewFlagSet("signet-relay", flag.ContinueOnError)
	flags(fs)
	documented := 0
	fs.VisitAll(func(f *flag.Flag) {
		roff := `\fB\-\-` + strings.ReplaceAll(f.Name, "-", `\-`) + `\fR`
		if !strings.Contains(page, roff) {
			t.Errorf("signet-relay.1 does not describe --%s", f.Name)
		}
		documented++
	})
	if n := strings.Count(page, ".TP\n\\fB\\-\\-"); n != documented {
		t.Errorf("signet-relay.1 describes %d options, the command has %d flags", n, documented)
	}
}
