package main

// Commands for the golden-file scripts of the --json outputs
// (testdata/json.txtar, docs/json.md).

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/wgintake"
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
	priv, err := wgintake.ReadPrivateKey(filepath.Join(dir, wgKeyFile))
	ts.Check(err)
	tun, err := wgintake.Up(priv, cfg)
	ts.Check(err)
	ts.Defer(tun.Close)
	l, err := wgintake.ListenStatus(filepath.Join(dir, wgStatusSock))
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
