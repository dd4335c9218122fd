// Package manpage renders the man pages of signet's binaries from their
// cobra command trees and keeps docs/man in step with them: "make man"
// rewrites the pages, and each binary's TestManPages fails when a page
// differs from its tree, so --help and the man pages never disagree.
//
// signet and signet-relay share docs/man. A page belongs to the longest
// program name it starts with ([Owner]), so each tree checks and
// rewrites only its own pages.
package manpage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Programs are the binaries whose pages live in docs/man.
var Programs = []string{"signet", "signet-relay"}

// Owner returns the program a page file (such as "signet-relay.1" or
// "signet-key-init.1") belongs to: the longest of [Programs] that is
// the page's name or its prefix before a dash. It returns "" for a file
// no program owns.
func Owner(file string) string {
	name, ok := strings.CutSuffix(file, ".1")
	if !ok {
		return ""
	}
	owner := ""
	for _, p := range Programs {
		if (name == p || strings.HasPrefix(name, p+"-")) && len(p) > len(owner) {
			owner = p
		}
	}
	return owner
}

// Generate renders a section 1 page for every available command of
// root's tree, keyed by file name ("signet-key-init.1"), without cobra's
// dated "auto generated" footer.
func Generate(root *cobra.Command) (map[string]string, error) {
	pages := map[string]string{}
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
				continue
			}
			if err := walk(sub); err != nil {
				return err
			}
		}
		var b bytes.Buffer
		header := &doc.GenManHeader{Section: "1", Source: "signet", Manual: "signet manual"}
		if err := doc.GenMan(c, header, &b); err != nil {
			return fmt.Errorf("rendering the man page of %q: %w", c.CommandPath(), err)
		}
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		if o := Owner(name); o != root.Name() {
			return fmt.Errorf("%q would write %s, which belongs to %s; rename the command", c.CommandPath(), name, o)
		}
		pages[name] = b.String()
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	return pages, nil
}

// Check compares root's pages in dir with its tree and returns one line
// per page that is missing, differs, or has no command. The .TH line,
// which carries the month of generation, is not compared.
func Check(root *cobra.Command, dir string) ([]string, error) {
	want, err := Generate(root)
	if err != nil {
		return nil, err
	}
	got, err := read(dir, root.Name())
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, name := range sortedKeys(want) {
		g, ok := got[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("docs/man/%s is missing; run 'make man'", name))
		case stripDate(g) != stripDate(want[name]):
			problems = append(problems, fmt.Sprintf("docs/man/%s differs from the command tree; run 'make man'", name))
		}
	}
	for _, name := range sortedKeys(got) {
		if _, ok := want[name]; !ok {
			problems = append(problems, fmt.Sprintf("docs/man/%s has no command; delete it or run 'make man'", name))
		}
	}
	return problems, nil
}

// Update rewrites root's pages in dir: it writes each page of its tree
// whose text changed (so an unchanged page keeps its date), and removes
// every other page root's program owns. Other programs' pages are left
// alone.
func Update(root *cobra.Command, dir string) error {
	pages, err := Generate(root)
	if err != nil {
		return err
	}
	old, err := read(dir, root.Name())
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(old) {
		if _, ok := pages[name]; !ok {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(pages) {
		if o, ok := old[name]; ok && stripDate(o) == stripDate(pages[name]) {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(pages[name]), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// read returns the pages in dir that prog owns, by file name.
func read(dir, prog string) (map[string]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil {
		return nil, err
	}
	pages := map[string]string{}
	for _, p := range paths {
		if Owner(filepath.Base(p)) != prog {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		pages[filepath.Base(p)] = string(b)
	}
	return pages, nil
}

// stripDate removes the .TH title line, whose date changes every month.
func stripDate(page string) string {
	var b strings.Builder
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
