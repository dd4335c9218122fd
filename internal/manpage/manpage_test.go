package manpage

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestOwner(t *testing.T) {
	for file, want := range map[string]string{
		"signet.1":                    "signet",
		"signet-key-init.1":           "signet",
		"signet-relay.1":              "signet-relay",
		"signet-relay-version.1":      "signet-relay",
		"signet-relayx.1":             "signet",
		"signetx.1":                   "",
		"signet-relay.1.gz":           "",
		"other.1":                     "",
		"signet-relay-completion.1":   "signet-relay",
		"signet-revoke-keys.1":        "signet",
		"signet-relay-completion-zsh": "",
	} {
		if got := Owner(file); got != want {
			t.Errorf("Owner(%q) = %q, want %q", file, got, want)
		}
	}
}

// tree is a two-command tree named prog.
func tree(prog, short string) *cobra.Command {
	root := &cobra.Command{Use: prog, Short: short, Run: func(*cobra.Command, []string) {}}
	root.AddCommand(&cobra.Command{Use: "version", Short: "Print the version", Run: func(*cobra.Command, []string) {}})
	root.AddCommand(&cobra.Command{Use: "secret", Hidden: true, Run: func(*cobra.Command, []string) {}})
	return root
}

func TestGenerate(t *testing.T) {
	pages, err := Generate(tree("signet-relay", "Connect a box"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sortedKeys(pages); !slices.Equal(got, []string{"signet-relay-version.1", "signet-relay.1"}) {
		t.Fatalf("pages %v, want the root's and version's (no hidden or help command)", got)
	}
	if p := pages["signet-relay.1"]; !strings.Contains(p, ".SH NAME\nsignet-relay - Connect a box\n") {
		t.Errorf("the root page has no NAME line:\n%s", p)
	}
	if strings.Contains(pages["signet-relay.1"], "Auto generated") {
		t.Error("a page carries cobra's dated footer")
	}
	// A signet verb named "relay" would write signet-relay.1, which is
	// signet-relay's page.
	bad := tree("signet", "x")
	bad.AddCommand(&cobra.Command{Use: "relay", Run: func(*cobra.Command, []string) {}})
	if _, err := Generate(bad); err == nil || !strings.Contains(err.Error(), "belongs to signet-relay") {
		t.Errorf("a signet verb writing signet-relay.1: err %v", err)
	}
}

func TestCheckAndUpdate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Another program's page, which signet-relay must leave alone.
	write("signet-serve.1", "signet's page\n")
	relay := tree("signet-relay", "Connect a box")
	problems, err := Check(relay, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"docs/man/signet-relay-version.1 is missing; run 'make man'",
		"docs/man/signet-relay.1 is missing; run 'make man'",
	}
	if !slices.Equal(problems, want) {
		t.Fatalf("Check on an empty dir: %q, want %q", problems, want)
	}

	if err := Update(relay, dir); err != nil {
		t.Fatal(err)
	}
	if problems, _ := Check(relay, dir); len(problems) != 0 {
		t.Fatalf("Check after Update: %q", problems)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "signet-serve.1")); string(b) != "signet's page\n" {
		t.Fatalf("Update touched another program's page: %q", b)
	}

	// A changed Short, a page of a command that is gone, and a new month
	// on the .TH line, which is not a difference.
	path := filepath.Join(dir, "signet-relay-version.1")
	b, _ := os.ReadFile(path)
	redated := strings.Replace(string(b), ".TH \"SIGNET-RELAY-VERSION\" \"1\" \"", ".TH \"SIGNET-RELAY-VERSION\" \"1\" \"Jan 1999", 1)
	if redated == string(b) {
		t.Fatalf("no .TH line to change in:\n%s", b)
	}
	write("signet-relay-version.1", redated)
	write("signet-relay-gone.1", "old\n")
	changed := tree("signet-relay", "Connect a box to a tailnet")
	problems, _ = Check(changed, dir)
	want = []string{
		"docs/man/signet-relay.1 differs from the command tree; run 'make man'",
		"docs/man/signet-relay-gone.1 has no command; delete it or run 'make man'",
	}
	if !slices.Equal(problems, want) {
		t.Fatalf("Check after changes: %q, want %q", problems, want)
	}
	if err := Update(changed, dir); err != nil {
		t.Fatal(err)
	}
	if problems, _ := Check(changed, dir); len(problems) != 0 {
		t.Fatalf("Check after the second Update: %q", problems)
	}
	if _, err := os.Stat(filepath.Join(dir, "signet-relay-gone.1")); !os.IsNotExist(err) {
		t.Errorf("Update kept the page of a command that is gone: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != redated {
		t.Error("Update rewrote a page whose text had not changed (its date moves for nothing)")
	}
}
