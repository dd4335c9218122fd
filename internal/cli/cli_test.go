package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestPrintError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("reading x: boom"), "prog: error: reading x: boom\n"},
		{"hints", WithHint(errors.New("no key"), "run a", "then b"),
			"prog: error: no key\nprog: hint: run a\nprog: hint: then b\n"},
		{"wrapped hints", fmt.Errorf("starting: %w", WithHint(errors.New("no key"), "run a")),
			"prog: error: starting: no key\nprog: hint: run a\n"},
		{"usage with hint", Usage(WithHint(errors.New("bad flag"), "see --help")),
			"prog: error: bad flag\nprog: hint: see --help\n"},
		{"folded", errors.New("line one\n  line two\t"), "prog: error: line one line two\n"},
		{"escaped", errors.New("name \x1b[31mred\u202e \xff"), `prog: error: name \x1b[31mred\u202e \xff` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			PrintError(&b, "prog", tt.err)
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	if Usage(nil) != nil || WithHint(nil, "x") != nil {
		t.Fatal("nil errors must stay nil")
	}
	u := Usagef("--port is %d", 7)
	if !IsUsage(u) || !IsUsage(fmt.Errorf("ctx: %w", u)) || !IsUsage(WithHint(u, "h")) {
		t.Error("a usage error, wrapped or hinted, is not seen as one")
	}
	if IsUsage(errors.New("x")) || IsUsage(WithHint(errors.New("x"), "h")) {
		t.Error("a plain error is seen as a usage error")
	}
	base := errors.New("base")
	if !errors.Is(Usage(WithHint(base, "h")), base) {
		t.Error("Usage and WithHint must keep the error chain")
	}
}

// testTree is a small command tree: "prog run" fails as asked, "prog
// bad" returns a usage error from its run function.
func testTree(runErr error) *cobra.Command {
	root := &cobra.Command{Use: "prog", Args: NoArgs, RunE: func(*cobra.Command, []string) error { return nil }}
	root.Flags().Int("n", 0, "a number")
	root.SetFlagErrorFunc(FlagError)
	root.AddCommand(&cobra.Command{Use: "run", Args: NoArgs, RunE: func(*cobra.Command, []string) error { return runErr }})
	root.AddCommand(&cobra.Command{Use: "bad", RunE: func(*cobra.Command, []string) error { return Usagef("bad input") }})
	return root
}

func TestExecute(t *testing.T) {
	tests := []struct {
		args   []string
		runErr error
		code   int
		stderr string
	}{
		{nil, nil, ExitOK, ""},
		{[]string{"run"}, nil, ExitOK, ""},
		{[]string{"run"}, WithHint(errors.New("it broke"), "fix it"), ExitError, "prog: error: it broke\nprog: hint: fix it\n"},
		{[]string{"bad"}, nil, ExitUsage, "prog: error: bad input\n"},
		{[]string{"run", "x"}, nil, ExitUsage, "prog: error: prog run takes no arguments, got \"x\"\n"},
		{[]string{"--n", "x"}, nil, ExitUsage, "prog: error: invalid argument \"x\" for \"--n\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\nprog: hint: run 'prog --help' for its flags\n"},
		{[]string{"run", "--frob"}, nil, ExitUsage, "prog: error: unknown flag: --frob\nprog: hint: run 'prog run --help' for its flags\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Execute(context.Background(), testTree(tt.runErr), tt.args, &out, &errb)
			if code != tt.code || errb.String() != tt.stderr {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, errb.String(), tt.code, tt.stderr)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
}

func TestVersion(t *testing.T) {
	b := Build{Version: "1.2.3", Commit: "abc", CommitTime: "2026-11-23T17:39:08Z", TreeClean: "false"}
	// A test binary carries no VCS stamp, so the Makefile's values stand.
	info := b.Info()
	if info.Schema != 1 || info.Version != "1.2.3" || info.Commit != "abc" || info.TreeClean == nil || *info.TreeClean {
		t.Errorf("Info() = %+v", info)
	}
	if v := (Build{}).VersionString(); v != "devel" {
		t.Errorf("an unstamped test binary's version is %q, want devel", v)
	}
	if (Build{}).Info().TreeClean != nil {
		t.Error("tree_clean is set for a build that recorded no commit")
	}
	var w bytes.Buffer
	if err := PrintVersionJSON(&w, Build{Version: "9"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.String(), `{"schema_version":1,"version":"9","go":"go`) || !strings.HasSuffix(w.String(), "}\n") {
		t.Errorf("version --json printed %q", w.String())
	}
}

func TestVersionCmd(t *testing.T) {
	b := Build{Version: "1.2.3", Commit: "abc", TreeClean: "true"}
	tests := []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{[]string{"version"}, ExitOK, "^prog 1.2.3\n$", ""},
		{[]string{"version", "--long"}, ExitOK, "^prog 1.2.3\ngo go1[^\n]*\nplatform [a-z0-9]+/[a-z0-9]+\n", ""},
		{[]string{"version", "--json"}, ExitOK, `^\{"schema_version":1,"version":"1.2.3","commit":"abc","tree_clean":true,"go":"go1[^"]*","platform":"[^"]+"\}` + "\n$", ""},
		{[]string{"version", "--json", "--long"}, ExitUsage, "^$", "prog: error: --long and --json cannot be used together; pick one\n"},
		{[]string{"version", "x"}, ExitUsage, "^$", "prog: error: prog version takes no arguments, got \"x\"\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			root := &cobra.Command{Use: "prog"}
			root.AddCommand(NewVersionCmd("prog", b))
			var out, errb bytes.Buffer
			code := Execute(context.Background(), root, tt.args, &out, &errb)
			if code != tt.code || errb.String() != tt.errs || !regexp.MustCompile(tt.stdout).MatchString(out.String()) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %s, %q", code, out.String(), errb.String(), tt.code, tt.stdout, tt.errs)
			}
		})
	}
}

func TestPlain(t *testing.T) {
	for in, want := range map[string]string{
		"laptop.":           "laptop.",
		"a\x1b[2Jb":         `a\x1b[2Jb`,
		" spaced \n":        `spaced`,
		"a\tb\nc":           `a\tb\nc`,
		`say "hi" \ there`:  `say "hi" \\ there`,
		"rtl \u202etxt.exe": `rtl \u202etxt.exe`,
		"wide 名前…":          "wide 名前…",
		`forged \x1b`:       `forged \\x1b`,
	} {
		if got := Plain(in); got != want {
			t.Errorf("Plain(%q) = %q, want %q", in, got, want)
		}
	}
}
