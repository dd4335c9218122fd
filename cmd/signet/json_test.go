package main

// Commands for the golden-file scripts of the --json outputs
// (testdata/json.txtar, docs/json.md).

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/signetbox/signet/ceremony"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// cmdJSONNorm copies the last command's stdout to OUT with the values of
// the named members replaced by "…", and nothing else changed: only
// what differs from run to run (a random key, a port) is normalised, and
// the rest is compared byte for byte.
//
//	jsonnorm OUT MEMBER...
func cmdJSONNorm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: jsonnorm OUT MEMBER...")
	}
	out := ts.ReadFile("stdout")
	for _, m := range args[1:] {
		re := regexp.MustCompile(`(?m)^(\s*"` + regexp.QuoteMeta(m) + `": )("(?:[^"\\]|\\.)*"|[^,\n]*)(,?)$`)
		if !re.MatchString(out) {
			ts.Fatalf("stdout has no member %q to normalise", m)
		}
		out = re.ReplaceAllString(out, `${1}"…"${3}`)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(out), 0o600))
}

// cmdWGUp brings up the WireGuard intake of config file CONFIG in this
// process, with DIR/wg.key, and serves its status on DIR/wg.sock as
// signet serve --wireguard does, until the script ends. No peer ever
// handshakes, so the status is the same on every run.
//
//	wgup DIR CONFIG
func cmdWGUp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: wgup DIR CONFIG")
	}
	dir := ts.MkAbs(args[0])
	cfg, err := wgintake.LoadConfig(ts.MkAbs(args[1]))
	ts.Check(err)
	priv, err := wgintake.ReadPrivateKey(statedir.Path(dir, statedir.WGKey))
	ts.Check(err)
	tun, err := wgintake.Up(priv, cfg)
	ts.Check(err)
	ts.Defer(tun.Close)
	l, err := wgintake.ListenStatus(statedir.Path(dir, statedir.WGStatusSocket))
	ts.Check(err)
	ts.Defer(func() { l.Close() })
	go tun.ServeStatus(l)
}

// fixGenesis writes, as hex, a genesis AUM trusting chaingen's keys 1 and
// 2, whose disablement values are those of the given secrets (hex), so a
// script can check a secret it knows.
func fixGenesis(out string, secrets []string) error {
	state := tka.State{
		Keys:     []tka.Key{tka.NewEd25519Key(chaingen.NewKey(1).PublicKey(), 2), tka.NewEd25519Key(chaingen.NewKey(2).PublicKey(), 1)},
		StateID1: 1, StateID2: 2,
	}
	for _, s := range secrets {
		b, err := hex.DecodeString(s)
		if err != nil {
			return fmt.Errorf("secret %q: %w", s, err)
		}
		state.DisablementValues = append(state.DisablementValues, tka.DisablementKDF(b))
	}
	_, genesis, err := tka.Create(context.Background(), tka.NewMemStore(), state, chaingen.NewKey(1))
	if err != nil {
		return err
	}
	return os.WriteFile(out, []byte(hex.EncodeToString(genesis.Serialize())+"\n"), 0o600)
}

// fixTranscript writes OUT.json and OUT.md: a ceremony transcript of the
// given schema (1, or ceremony.Schema) with fixed names and times, made
// from fixed disablement secrets and signed by chaingen's key 1, so its
// bytes (and ceremony verify's output) are the same on every run.
func fixTranscript(out string, schema int) error {
	box, other := chaingen.NewKey(1), chaingen.NewKey(2)
	at := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	keys := []string{tka.FormatTLPub(box.PublicKey()), tka.FormatTLPub(other.PublicKey()) + "?2"}
	var values []string
	for _, b := range []byte{0x11, 0x22} {
		values = append(values, tka.FormatDisablement(tka.DisablementKDF(bytes.Repeat([]byte{b}, 32))))
	}
	t := &ceremony.Transcript{Schema: schema, ID: "ceremony-20260102T100000Z", Signet: "devel", Started: at, Finished: at.Add(9 * time.Minute),
		People: []string{"Alice Martin", "Bob Okafor"},
		Key: ceremony.Key{PublicKey: keys[0], Backend: "soft", URI: "soft:/var/lib/signet/key.soft", Made: "existing",
			Attestation: "software key, no attestation"},
		Keys:  keys,
		Steps: []ceremony.Step{{N: 1, Name: "people", Time: at, Result: "2 present: Alice Martin, Bob Okafor"}},
	}
	if schema != 1 {
		t.RunbookPeople = 2
	}
	for i, v := range values {
		t.Outputs = append(t.Outputs, ceremony.NewOutput(fmt.Sprintf("disablement-%d", i+1), v))
	}
	t.Outputs = append(t.Outputs, ceremony.NewOutput("init-line", ceremony.InitLine(keys, values)))
	f, err := ceremony.Sign(context.Background(), t, box)
	if err != nil {
		return err
	}
	b, err := f.Marshal()
	if err != nil {
		return err
	}
	if err := os.WriteFile(out+".json", b, 0o600); err != nil {
		return err
	}
	return os.WriteFile(out+".md", f.Markdown(), 0o600)
}
