package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// ceremony is one run of "signet ceremony init".
type ceremony struct {
	args   *ceremonyArgs
	stderr io.Writer
	dir    string    // the state directory, absolute
	ks     *keyState // the key already there, or nil
	paths  [2]string // the transcript's .json and .md

	con     *console
	journal *signer.Journal
	store   *signer.ChainStore // with --genesis only
	unlock  func()

	t      transcript
	others []tka.Key
	key    hsm.Key // open after the key step
	// sign is the key unlocked once for the ceremony's signatures (the
	// genesis and the transcript), before any secret is shown.
	sign   hsm.Session
	values [][]byte
}

// runCeremonyInit checks everything it can before asking anything, then
// runs the steps. After the plan is confirmed, a failure is journaled.
func runCeremonyInit(ctx context.Context, stdout, stderr io.Writer, a *ceremonyArgs) error {
	c := &ceremony{args: a, stderr: stderr}
	defer c.close()
	if err := c.prepare(); err != nil {
		return err
	}
	started := false
	err := c.run(ctx, stdout, &started)
	if err != nil && started {
		c.note("ceremony-aborted", map[string]string{"error": oneLine(err.Error())})
	}
	return err
}

// close releases whatever prepare and run opened.
func (c *ceremony) close() {
	if c.sign != nil {
		c.sign.Close()
	}
	if c.key != nil {
		c.key.Close()
	}
	if c.con != nil {
		c.con.Close()
	}
	if c.store != nil {
		c.store.Close()
	}
	if c.journal != nil {
		c.journal.Close()
	}
	if c.unlock != nil {
		c.unlock()
	}
}

// prepare checks the state and output directories, takes the state
// directory's lock and opens the journal (and the chain store).
func (c *ceremony) prepare() error {
	var err error
	if c.dir, err = absStateDir(c.args.key.state); err != nil {
		return err
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("making the state directory: %w", err)
	}
	if err := c.checkKey(); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	c.t = transcript{Schema: transcriptSchema, ID: "ceremony-" + now.Format("20060102T150405Z"), Signet: version(), Started: now}
	if err := c.checkOut(); err != nil {
		return err
	}
	if c.unlock, err = signer.LockStateDir(c.dir); err != nil {
		return withHint(err, "stop signet serve while the ceremony runs")
	}
	if c.journal, err = openCeremonyJournal(c.dir); err != nil {
		return err
	}
	if c.args.genesis {
		if c.store, err = signer.OpenChainStore(c.dir); err != nil {
			return err
		}
		if c.store.Len() > 0 {
			return withHint(fmt.Errorf("--genesis: the chain store in %s already holds an authority", c.dir),
				"run the ceremony without --genesis, or in a state directory with no chain.log")
		}
	}
	c.con, err = openConsole()
	return err
}

// checkKey loads the key already in the state directory, or checks that
// --hsm says how to make one.
func (c *ceremony) checkKey() error {
	ks, err := loadKeyState(c.dir)
	if err != nil && c.args.key.hsm == "" {
		return withHint(fmt.Errorf("no key in %s to use, and no --hsm to make one", c.dir),
			"pass --hsm tpm (or piv, or soft for a trial run) and its flags, as for 'signet key init'")
	}
	if err != nil {
		_, statErr := os.Lstat(filepath.Join(c.dir, uriFile))
		if statErr == nil {
			return err // a key is there but cannot be read
		}
		return nil
	}
	if c.args.key.hsm != "" && c.args.key.hsm != ks.uri.Scheme {
		return withHint(fmt.Errorf("--hsm %s: %s already holds a %s key", c.args.key.hsm, c.dir, ks.uri.Scheme),
			"drop --hsm to use that key, or use another --state")
	}
	c.ks = ks
	return nil
}

// checkOut checks that the transcript can be written to --out.
func (c *ceremony) checkOut() error {
	out, err := filepath.Abs(c.args.out)
	if err != nil {
		return fmt.Errorf("--out %q: %w", c.args.out, err)
	}
	if out == c.dir {
		if err := os.MkdirAll(out, 0o700); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	if fi, err := os.Stat(out); err != nil || !fi.IsDir() {
		return withHint(fmt.Errorf("--out %s is not a directory", out), "mount the medium or make the directory first")
	}
	for i, ext := range []string{".json", ".md"} {
		c.paths[i] = filepath.Join(out, c.t.ID+ext)
		if _, err := os.Lstat(c.paths[i]); err == nil {
			return withHint(fmt.Errorf("--out: %s already exists", c.paths[i]), "wait a second and run the ceremony again")
		}
	}
	return nil
}

func openCeremonyJournal(dir string) (*signer.Journal, error) {
	j, err := signer.OpenJournal(dir)
	var torn *signer.TornError
	if errors.As(err, &torn) {
		return nil, withHint(err, "run 'signet journal repair' (it keeps the torn bytes aside) and start again")
	}
	return j, err
}

// step records one step's result in the transcript and logs it.
func (c *ceremony) step(name, format string, args ...any) {
	s := step{N: len(c.t.Steps) + 1, Name: name, Time: time.Now().UTC().Truncate(time.Second), Result: fmt.Sprintf(format, args...)}
	c.t.Steps = append(c.t.Steps, s)
	fmt.Fprintf(c.stderr, "signet: ceremony step %d, %s: %s\n", s.N, s.Name, s.Result)
}

// warn records a warning in the transcript and shows it.
func (c *ceremony) warn(msg string) {
	c.t.Warnings = append(c.t.Warnings, msg)
	fmt.Fprintf(c.stderr, "signet: warning: %s\n", msg)
	c.con.printf("WARNING: %s\n", msg)
}

// note journals a ceremony event; a failure is reported, not fatal, except
// for the final record (see finish).
func (c *ceremony) note(event string, detail map[string]string) (signer.Record, error) {
	d := map[string]string{"event": event, "ceremony": c.t.ID}
	for k, v := range detail {
		d[k] = v
	}
	r, err := c.journal.Append(signer.Record{Type: signer.RecNote, Detail: d})
	if err != nil {
		fmt.Fprintf(c.stderr, "signet: warning: journaling %s: %s\n", event, oneLine(err.Error()))
	}
	return r, err
}

// run asks the inputs, then makes the key, the secrets and the outputs.
func (c *ceremony) run(ctx context.Context, stdout io.Writer, started *bool) error {
	if err := c.askInputs(ctx); err != nil {
		return err
	}
	if _, err := c.note("ceremony-start", nil); err != nil {
		return err
	}
	*started = true
	if err := c.keyStep(ctx); err != nil {
		return err
	}
	what := "the ceremony's transcript"
	if c.args.genesis {
		what = "the ceremony's genesis and transcript"
	}
	sess, err := c.key.Unlock(ctx, what)
	if err != nil {
		return fmt.Errorf("unlocking the key to sign %s: %w", what, err)
	}
	c.sign = sess
	c.con.printf("\n== Step 6: %d disablement secrets ==\n", c.args.disablement)
	values, err := makeDisablements(ctx, c.con, c.args.disablement, !c.args.noQR)
	if err != nil {
		return err
	}
	c.values = values
	for i, v := range values {
		c.t.Outputs = append(c.t.Outputs, newOutput(fmt.Sprintf("disablement-%d", i+1), tka.FormatDisablement(v)))
	}
	c.step("disablement", "%d secrets made from the system RNG, each shown once and confirmed by its last 4 digits; none stored", len(values))
	if err := c.outputs(ctx, stdout); err != nil {
		return err
	}
	return c.finish(ctx)
}

// askInputs runs the steps that touch nothing: people, keys and the plan.
func (c *ceremony) askInputs(ctx context.Context) error {
	c.con.printf("\n== signet offline key ceremony %s ==\n\n== Step 1: the people present ==\n", c.t.ID)
	people, err := askPeople(ctx, c.con)
	if err != nil {
		return err
	}
	c.t.People = people
	c.step("people", "%d present: %s", len(people), strings.Join(people, ", "))
	c.con.printf("\n== Step 2: the other signing keys ==\n")
	var box []byte
	if c.ks != nil {
		box = c.ks.pub
	}
	if c.others, err = askKeys(ctx, c.con, box); err != nil {
		return err
	}
	c.step("keys", "%d other signing keys typed", len(c.others))
	if len(c.others) == 0 {
		c.warn("no other signing key: the box's key is the only one, and the online node that runs 'tailscale lock init' must have its own key in the list; add at least one more")
	}
	return c.confirmPlan(ctx)
}

// confirmPlan shows what will happen and wants "begin" typed.
func (c *ceremony) confirmPlan(ctx context.Context) error {
	p := c.con.printf
	p("\n== Step 3: the plan ==\n")
	if c.ks != nil {
		p("  key:          the existing %s key %s\n", c.ks.uri.Scheme, tka.FormatTLPub(c.ks.pub))
	} else {
		p("  key:          a NEW %s key in %s\n", c.args.key.hsm, c.dir)
	}
	p("  disablement:  %d secrets, shown once each: have paper and pen ready\n", c.args.disablement)
	for i, k := range c.others {
		p("  trusted key %d: %s\n", i+1, formatKeyArg(k))
	}
	p("  genesis AUM:  %v\n  transcript:   %s\n                %s\n", c.args.genesis, c.paths[0], c.paths[1])
	if err := c.con.confirmWord(ctx, "Check the plan.", "begin"); err != nil {
		return err
	}
	c.step("plan", "confirmed: %d disablement secrets, %d other keys, genesis %v", c.args.disablement, len(c.others), c.args.genesis)
	return nil
}

// keyStep makes the key (or takes the existing one), opens it, and
// records its attestation.
func (c *ceremony) keyStep(ctx context.Context) error {
	c.con.printf("\n== Step 4: the box's key ==\n")
	ks := c.ks
	var att hsm.Attestation
	made := "existing"
	if ks == nil {
		if c.args.key.hsm == "soft" {
			c.warn("the soft backend is for development only: the key is a file protected by a passphrase")
		}
		res, err := initBackend(ctx, c.con, c.dir, &c.args.key, c.stderr)
		if err != nil {
			return err
		}
		if err := writeKeyState(c.dir, res.uri, res.pub, newAttestationDoc(res.uri, res.pub, res.att)); err != nil {
			return err
		}
		ks, att, made = &keyState{dir: c.dir, uri: res.uri, pub: res.pub}, res.att, "new"
	}
	for _, k := range c.others {
		if k.Public != nil && string(k.Public) == string(ks.pub) {
			return fmt.Errorf("the box's key %s was also typed as another key; run the ceremony again without it", tka.FormatTLPub(ks.pub))
		}
	}
	c.step("key", "%s %s key %s (%s)", made, ks.uri.Scheme, tka.FormatTLPub(ks.pub), ks.uri)
	if err := c.openKey(ctx, ks); err != nil {
		return err
	}
	c.con.printf("\n== Step 5: the key's attestation ==\n")
	if made == "existing" {
		var err error
		if att, err = existingAttestation(ctx, ks, c.key); err != nil {
			return err
		}
	}
	c.t.Key = ceremonyKey{PublicKey: tka.FormatTLPub(ks.pub), Backend: ks.uri.Scheme, URI: ks.uri.String(),
		Made: made, Hardware: att.Hardware, Attestation: att.Summary, Facts: att.Facts}
	for _, e := range att.Evidence {
		c.t.Key.Evidence = append(c.t.Key.Evidence, sha256Hex(e))
	}
	c.con.printf("  %s\n", att.Summary)
	c.step("attestation", "%s", att.Summary)
	keys := []string{formatKeyArg(tka.NewEd25519Key(ks.pub, 1))}
	for _, k := range c.others {
		keys = append(keys, formatKeyArg(k))
	}
	c.t.Keys = keys
	return nil
}

// openKey opens the key for signing the genesis and the transcript.
func (c *ceremony) openKey(ctx context.Context, ks *keyState) error {
	noun := "PIN"
	if ks.uri.Scheme == "soft" {
		noun = "passphrase"
	}
	c.con.printf("Unlock the key to sign the ceremony's outputs.\n")
	k, err := hsm.Open(ctx, ks.uri.String(), &ttyPrompt{con: c.con, noun: noun})
	if err != nil {
		return fmt.Errorf("opening the key %s: %w", ks.uri, err)
	}
	c.key = k
	if !k.PublicKey().Equal(ks.pub) {
		return fmt.Errorf("the key device holds %s but key.pub says %s; was the device swapped?", tka.FormatTLPub(k.PublicKey()), tka.FormatTLPub(ks.pub))
	}
	return nil
}

// existingAttestation is attestation.json as 'signet key init' wrote it,
// or what the backend says now when that file is missing.
func existingAttestation(ctx context.Context, ks *keyState, k hsm.Key) (hsm.Attestation, error) {
	if d := ks.att; d != nil {
		return hsm.Attestation{Backend: d.Backend, Hardware: d.Hardware, Summary: d.Summary, Facts: d.Facts, Evidence: d.Evidence}, nil
	}
	a, err := k.Attest(ctx)
	if err != nil {
		return a, fmt.Errorf("attesting the key (attestation.json is missing): %w", err)
	}
	return a, nil
}

// outputs prints the init line and, with --genesis, makes the genesis.
func (c *ceremony) outputs(ctx context.Context, stdout io.Writer) error {
	c.con.printf("\n== Step 7: the outputs ==\n")
	parts := append([]string{"tailscale lock init --gen-disablements 0"}, c.t.Keys...)
	for _, v := range c.values {
		parts = append(parts, tka.FormatDisablement(v))
	}
	line := strings.Join(parts, " ")
	c.t.Outputs = append(c.t.Outputs, newOutput("init-line", line))
	fmt.Fprintln(stdout, line)
	c.step("init-line", "printed, sha256 %s", sha256Hex([]byte(line)))
	if !c.args.genesis {
		return nil
	}
	g, err := c.makeGenesis(ctx)
	if err != nil {
		return err
	}
	h := hex.EncodeToString(g.Serialize())
	c.t.Outputs = append(c.t.Outputs, newOutput("genesis-aum", h))
	fmt.Fprintln(stdout, h)
	c.step("genesis", "genesis AUM %v signed by the box and stored in %s", g.Hash(), c.store.Path())
	// The start checks want every AUM in chain.log named by the journal.
	if _, err := c.note("genesis", map[string]string{"head": g.Hash().String()}); err != nil {
		return err
	}
	return nil
}

// makeGenesis creates the new authority in the chain store.
func (c *ceremony) makeGenesis(ctx context.Context) (*tka.AUM, error) {
	var ids [16]byte
	if _, err := io.ReadFull(ceremonyRand(), ids[:]); err != nil {
		return nil, fmt.Errorf("reading the system RNG: %w", err)
	}
	state := tka.State{
		Keys:              append([]tka.Key{tka.NewEd25519Key(c.key.PublicKey(), 1)}, c.others...),
		DisablementValues: c.values,
		StateID1:          uint64FromBytes(ids[:8]),
		StateID2:          uint64FromBytes(ids[8:]),
	}
	c.con.printf("Signing the genesis AUM with the box's key.\n")
	_, g, err := tka.Create(ctx, c.store, state, c.sign)
	if err != nil {
		return nil, fmt.Errorf("creating the genesis AUM: %w", err)
	}
	return g, nil
}

// finish signs the transcript, writes it and journals its hashes.
func (c *ceremony) finish(ctx context.Context) error {
	c.step("transcript", "signed by the box's key, written to %s and %s", filepath.Base(c.paths[0]), filepath.Base(c.paths[1]))
	c.t.Finished = time.Now().UTC().Truncate(time.Second)
	c.con.printf("Signing the transcript with the box's key.\n")
	f, err := signTranscript(ctx, &c.t, c.sign)
	if err != nil {
		return err
	}
	j, err := f.marshal()
	if err != nil {
		return err
	}
	md := f.markdown()
	if err := writeNew(c.paths[0], j); err != nil {
		return err
	}
	if err := writeNew(c.paths[1], md); err != nil {
		return err
	}
	r, err := c.note("ceremony", map[string]string{
		"transcript-sha256": sha256Hex(j), "markdown-sha256": sha256Hex(md),
		"key": c.t.Key.PublicKey, "digest": f.Signature.Digest,
	})
	if err != nil {
		return fmt.Errorf("the transcript is written but not journaled: %w", err)
	}
	fmt.Fprintf(c.stderr, "signet: the ceremony is done; transcript %s (and .md), journal record %d\n", c.paths[0], r.Seq)
	c.con.printf("\nThe ceremony is done. Print %s and have everyone present sign it.\n", c.paths[1])
	return nil
}
