package main

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	ts "tailscale.com/tka"

	"github.com/signetbox/signet/tka"
)

// ceremonySeed seeds the test RNG of "signet-seeded": the scripts type the
// last 4 digits of the secrets it makes (26A5, 88F2, EA0F, ...).
var ceremonySeed = [32]byte([]byte("signet ceremony test seed 000000"))

// signetSeeded runs main with the ceremony's randomness from a fixed seed.
func signetSeeded() {
	testOnlyCeremonyRand = rand.NewChaCha8(ceremonySeed)
	signetDetached()
}

// TestCeremonyScripts runs the scripts in testdata/ceremony.
func TestCeremonyScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/ceremony",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Condition:           keyCondition,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"keep":        cmdKeep,
			"nosecret":    cmdNoSecret,
			"savesecrets": cmdSaveSecrets,
			"cerfiles":    cmdCerFiles,
			"haswords":    cmdHasWords,
			"tsgenesis":   cmdTSGenesis,
			"swtpm":       cmdSWTPM,
			"vpiv":        cmdVPIV,
		},
	})
}

// shownSecret matches a disablement secret as the ceremony shows it.
var shownSecret = regexp.MustCompile(`disablement-secret:([0-9A-F]{64})`)

// cmdSaveSecrets takes the N distinct secrets shown in the last terminal
// output and writes DIR/1..N (disablement-secret:HEX, for stdin) and
// DIR/hex (bare hex, one per line, for nosecret).
func cmdSaveSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: savesecrets N DIR")
	}
	var seen []string
	for _, m := range shownSecret.FindAllStringSubmatch(ts.ReadFile("ttyout"), -1) {
		if !slices.Contains(seen, m[1]) {
			seen = append(seen, m[1])
		}
	}
	if fmt.Sprint(len(seen)) != args[0] {
		ts.Fatalf("the terminal showed %d distinct secrets, want %s", len(seen), args[0])
	}
	dir := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(dir, 0o700))
	for i, s := range seen {
		ts.Check(os.WriteFile(filepath.Join(dir, fmt.Sprint(i+1)), []byte("disablement-secret:"+s+"\n"), 0o600))
	}
	ts.Check(os.WriteFile(filepath.Join(dir, "hex"), []byte(strings.Join(seen, "\n")+"\n"), 0o600))
}

// cmdCerFiles sets $CERJSON and $CERMD to the one transcript in DIR.
func cmdCerFiles(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: cerfiles DIR")
	}
	m, err := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "ceremony-*.json"))
	ts.Check(err)
	if len(m) != 1 {
		ts.Fatalf("want one ceremony-*.json in %s, found %d", args[0], len(m))
	}
	ts.Setenv("CERJSON", m[0])
	ts.Setenv("CERMD", strings.TrimSuffix(m[0], ".json")+".md")
}

// cmdHasWords checks that FILE holds, as a space-separated word, the
// trimmed content of each WORDFILE.
func cmdHasWords(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: haswords FILE WORDFILE...")
	}
	words := strings.Fields(ts.ReadFile(args[0]))
	for _, wf := range args[1:] {
		w := strings.TrimSpace(ts.ReadFile(wf))
		if !slices.Contains(words, w) {
			ts.Fatalf("%s does not hold %q (from %s)", args[0], w, wf)
		}
	}
}

// cmdTSGenesis checks a genesis AUM with tailscale.com/tka: it must
// bootstrap an authority that trusts exactly the tlpub: keys of the init
// line, and whose disablement secrets are exactly those in DIR/1..N.
func cmdTSGenesis(t *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		t.Fatalf("usage: tsgenesis GENESIS-HEX-FILE INIT-LINE-FILE SECRETS-DIR")
	}
	raw, err := hex.DecodeString(strings.TrimSpace(t.ReadFile(args[0])))
	t.Check(err)
	var aum ts.AUM
	t.Check(aum.Unserialize(raw))
	a, err := ts.Bootstrap(ts.ChonkMem(), aum)
	if err != nil {
		t.Fatalf("tailscale.com/tka refuses the genesis: %v", err)
	}
	var got, want []string
	for _, k := range a.Keys() {
		got = append(got, fmt.Sprintf("tlpub:%x", k.Public))
	}
	for _, w := range strings.Fields(t.ReadFile(args[1])) {
		if strings.HasPrefix(w, "tlpub:") {
			want = append(want, w)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("tailscale.com trusts %v, the init line lists %v", got, want)
	}
	files, err := filepath.Glob(filepath.Join(t.MkAbs(args[2]), "[0-9]*"))
	t.Check(err)
	if len(files) == 0 {
		t.Fatalf("no secrets in %s", args[2])
	}
	for _, f := range files {
		s, err := tka.ParseDisablementSecret(strings.TrimSpace(t.ReadFile(f)))
		t.Check(err)
		if !a.ValidDisablement(s) {
			t.Fatalf("tailscale.com: secret %s is not a valid disablement", filepath.Base(f))
		}
		s[0] ^= 1
		if a.ValidDisablement(s) {
			t.Fatalf("tailscale.com: a changed secret %s is still valid", filepath.Base(f))
		}
	}
}
