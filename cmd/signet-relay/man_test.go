package main

import (
	"flag"
	"testing"

	"github.com/signetbox/signet/internal/manpage"
)

// manDir holds the committed man pages, relative to this package.
const manDir = "../../docs/man"

var updateMan = flag.Bool("update-man", false, "regenerate the man pages in docs/man (make man)")

// TestManPages checks that signet-relay's pages in docs/man match the pages
// generated from the command tree, so --help and the man pages never
// disagree. With -update-man it rewrites them first.
func TestManPages(t *testing.T) {
	if *updateMan {
		if err := manpage.Update(newRootCmd(), manDir); err != nil {
			t.Fatalf("updating docs/man: %v", err)
		}
	}
	problems, err := manpage.Check(newRootCmd(), manDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
