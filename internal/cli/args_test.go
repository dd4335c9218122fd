package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestPositionalArgs(t *testing.T) {
	cmd := &cobra.Command{Use: "verb"}
	tests := []struct {
		name  string
		check cobra.PositionalArgs
		args  []string
		want  string // "" for no error
	}{
		{"exact ok", ExactArgs(1, "FILE"), []string{"a"}, ""},
		{"exact few", ExactArgs(1, "FILE"), nil, "verb wants 1 argument(s) (FILE), got 0"},
		{"exact many", ExactArgs(1, "FILE"), []string{"a", "b"}, "verb wants 1 argument(s) (FILE), got 2"},
		{"min ok", MinArgs(1, "KEY"), []string{"a", "b"}, ""},
		{"min few", MinArgs(2, "KEY"), []string{"a"}, "verb wants at least 2 argument(s) (KEY), got 1"},
		{"max ok", MaxArgs(1, "FILE"), nil, ""},
		{"max many", MaxArgs(1, "FILE"), []string{"a", "b"}, "verb wants at most 1 argument(s) (FILE), got 2"},
		{"none ok", NoArgs, nil, ""},
		{"none given", NoArgs, []string{"x"}, `verb takes no arguments, got "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check(cmd, tt.args)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want || !IsUsage(err) {
				t.Fatalf("got %v, want usage error %q", err, tt.want)
			}
		})
	}
}

func TestJSONFlag(t *testing.T) {
	var v int
	cmd := &cobra.Command{Use: "verb", RunE: func(*cobra.Command, []string) error { return nil }}
	AddJSONFlag(cmd, &v, 3)
	if err := cmd.Flags().Parse([]string{"--json"}); err != nil || v != 3 {
		t.Fatalf("--json alone: v=%d err=%v, want 3", v, err)
	}
	if err := cmd.Flags().Parse([]string{"--json=1"}); err != nil || v != 1 {
		t.Fatalf("--json=1: v=%d err=%v", v, err)
	}
	if !strings.Contains(cmd.Flags().Lookup("json").Usage, "--json alone: 3") {
		t.Errorf("usage %q does not name the current version", cmd.Flags().Lookup("json").Usage)
	}
	for _, ok := range []int{0, 3} {
		if err := CheckJSONVersion(ok, 3); err != nil {
			t.Errorf("CheckJSONVersion(%d, 3) = %v", ok, err)
		}
	}
	err := CheckJSONVersion(2, 3)
	if err == nil || !IsUsage(err) || err.Error() != "--json=2 is not a schema this signet prints; use --json=3" {
		t.Fatalf("CheckJSONVersion(2, 3) = %v", err)
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	v := struct {
		Schema int      `json:"schema_version"`
		List   []string `json:"list"`
	}{1, EmptyIfNil[string](nil)}
	if err := WriteJSON(&b, v); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"schema_version\": 1,\n  \"list\": []\n}\n"; b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
	if got := EmptyIfNil([]int{1}); len(got) != 1 {
		t.Errorf("EmptyIfNil changed a non-nil list: %v", got)
	}
	err := WriteJSON(&b, func() {})
	if err == nil || !strings.HasPrefix(err.Error(), "writing JSON: ") {
		t.Fatalf("WriteJSON(func) = %v, want a writing JSON error", err)
	}
}

func TestSetHelp(t *testing.T) {
	root := &cobra.Command{Use: "prog", Short: "does things", Long: "Prose here.", Example: "  $ prog sub"}
	root.AddCommand(&cobra.Command{Use: "sub", Short: "a verb", Run: func(*cobra.Command, []string) {}})
	SetHelp(root)
	var b bytes.Buffer
	root.SetOut(&b)
	if err := root.Help(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Usage:\n  prog VERB [flags]\n", "Verbs:\n", "  sub", "a verb", "Prose here.", "Example:\n  $ prog sub", "Run 'prog VERB --help'"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, b.String())
		}
	}
}

func TestNoVerb(t *testing.T) {
	root := &cobra.Command{Use: "prog"}
	group := &cobra.Command{Use: "journal VERB", RunE: NoVerb}
	root.AddCommand(group)
	err := group.RunE(group, nil)
	if err == nil || !IsUsage(err) || err.Error() != "no journal verb given" {
		t.Fatalf("NoVerb = %v, want the usage error", err)
	}
	var b bytes.Buffer
	PrintError(&b, "prog", err)
	if want := "prog: error: no journal verb given\nprog: hint: run 'prog journal --help' to list them\n"; b.String() != want {
		t.Fatalf("printed %q, want %q", b.String(), want)
	}
}

func TestRootVerbs(t *testing.T) {
	root := &cobra.Command{Use: "prog", Args: UnknownVerb, RunE: NoRootVerb, SuggestionsMinimumDistance: 2}
	root.AddCommand(&cobra.Command{Use: "journal", Run: func(*cobra.Command, []string) {}})
	print := func(err error) string {
		var b bytes.Buffer
		PrintError(&b, "prog", err)
		return b.String()
	}
	if err := UnknownVerb(root, nil); err != nil {
		t.Fatalf("no arguments: %v", err)
	}
	err := UnknownVerb(root, []string{"jornal"})
	if want := "prog: error: unknown verb \"jornal\"\nprog: hint: did you mean \"journal\"?\nprog: hint: run 'prog --help' to list the verbs\n"; !IsUsage(err) || print(err) != want {
		t.Errorf("a typo: %q, want %q", print(err), want)
	}
	err = UnknownVerb(root, []string{"zzzzzz"})
	if want := "prog: error: unknown verb \"zzzzzz\"\nprog: hint: run 'prog --help' to list the verbs\n"; !IsUsage(err) || print(err) != want {
		t.Errorf("no suggestion: %q, want %q", print(err), want)
	}
	err = NoRootVerb(root, nil)
	if want := "prog: error: no verb given\nprog: hint: run 'prog --help' to list the verbs\n"; !IsUsage(err) || print(err) != want {
		t.Errorf("no verb: %q, want %q", print(err), want)
	}
}
