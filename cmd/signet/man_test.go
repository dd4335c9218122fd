package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manDir holds the committed man pages, relative to this package.
const manDir = "../../docs/man"

var updateMan = flag.Bool("update-man", false, "regenerate the man pages in docs/man (make man)")

// TestManPages checks that docs/man matches the pages generated from the
// command tree, so --help and the man pages never disagree. With
// -update-man it rewrites docs/man instead.
func TestManPages(t *testing.T) {
	if *updateMan {
		writeManPages(t)
	}
	want := genManPages(t)
	got := readManPages(t, manDir)
	for _, name := range sortedKeys(want) {
		g, ok := got[name]
		if !ok {
			t.Errorf("docs/man/%s is missing; run 'make man'", name)
			continue
		}
		if stripDate(g) != stripDate(want[name]) {
			t.Errorf("docs/man/%s differs from the command tree; run 'make man'", name)
		}
	}
	for _, name := range sortedKeys(got) {
		if _, ok := want[name]; !ok {
			t.Errorf("docs/man/%s has no command; delete it or run 'make man'", name)
		}
	}
}

// genManPages renders the man pages of the full command tree into a
// temporary directory and returns them by file name.
func genManPages(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	root := newRootCmd()
	disableAutoGenTag(root)
	header := &doc.GenManHeader{Section: "1", Source: "signet", Manual: "signet manual"}
	if err := doc.GenManTree(root, header, dir); err != nil {
		t.Fatalf("generating man pages: %v", err)
	}
	return readManPages(t, dir)
}

// writeManPages replaces every page in docs/man with a fresh one.
func writeManPages(t *testing.T) {
	t.Helper()
	old, err := filepath.Glob(filepath.Join(manDir, "*.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range genManPages(t) {
		if err := os.WriteFile(filepath.Join(manDir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readManPages returns the section 1 pages in dir by file name.
func readManPages(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		pages[filepath.Base(p)] = string(b)
	}
	return pages
}

// disableAutoGenTag drops the dated "auto generated" footer from every page.
func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}

// stripDate removes the .TH title line, whose date changes every month, so
// that only the content is compared.
func stripDate(page string) string {
	var b bytes.Buffer
	for line := range strings.Lines(page) {
		if !strings.HasPrefix(line, ".TH ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
