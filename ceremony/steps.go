package ceremony

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// askInputs runs the steps that touch nothing: people, keys and the plan.
func (c *Ceremony) askInputs(ctx context.Context) error {
	printf(c.t, "\n== signet offline key ceremony %s ==\n\n== Step 1: the people present ==\n", c.tr.ID)
	people, fewer, err := askPeople(ctx, c.t)
	if err != nil {
		return err
	}
	c.tr.People, c.tr.FewerPeopleConfirmed = people, fewer
	if fewer {
		c.step("people", "%d present: %s; fewer than the %d the runbook asks for, confirmed by typing %q",
			len(people), strings.Join(people, ", "), RunbookPeople, FewerWord)
	} else {
		c.step("people", "%d present: %s", len(people), strings.Join(people, ", "))
	}
	printf(c.t, "\n== Step 2: the other signing keys ==\n")
	var box ed25519.PublicKey
	if c.o.Key != nil {
		box = c.o.Key.Public
	}
	if c.others, err = askKeys(ctx, c.t, box); err != nil {
		return err
	}
	c.step("keys", "%d other signing keys typed", len(c.others))
	if len(c.others) == 0 {
		c.warn("no other signing key: the box's key is the only one, and the online node that runs 'tailscale lock init' must have its own key in the list; add at least one more")
	}
	return c.confirmPlan(ctx)
}

// confirmPlan shows what will happen and wants "begin" typed.
func (c *Ceremony) confirmPlan(ctx context.Context) error {
	p := func(format string, args ...any) { printf(c.t, format, args...) }
	p("\n== Step 3: the plan ==\n")
	p("  people:       %s\n", strings.Join(c.tr.People, ", "))
	if k := c.o.Key; k != nil {
		p("  key:          the existing %s key %s\n", k.URI.Scheme, tka.FormatTLPub(k.Public))
	} else {
		p("  key:          a NEW %s key in %s\n", c.o.Backend, c.o.StateDir)
	}
	p("  disablement:  %d secrets, shown once each: have paper and pen ready\n", c.o.Secrets)
	for i, k := range c.others {
		p("  trusted key %d: %s\n", i+1, FormatKeyArg(k))
	}
	p("  genesis AUM:  %v\n  transcript:   %s\n                %s\n", c.o.Genesis, c.paths[0], c.paths[1])
	if err := confirmWord(ctx, c.t, "Check the plan.", "begin"); err != nil {
		return err
	}
	c.step("plan", "confirmed: %d disablement secrets, %d other keys, genesis %v", c.o.Secrets, len(c.others), c.o.Genesis)
	return nil
}

// keyStep makes the key, or takes the existing one.
func (c *Ceremony) keyStep(ctx context.Context) error {
	printf(c.t, "\n== Step 4: the box's key ==\n")
	c.box, c.made = c.o.Key, "existing"
	if c.box == nil {
		if c.o.Backend == "soft" {
			c.warn("the soft backend is for development only: the key is a file protected by a passphrase")
		}
		k, err := c.o.MakeKey(ctx)
		if err != nil {
			return err
		}
		c.box, c.made = k, "new"
	}
	for _, k := range c.others {
		if bytes.Equal(k.Public, c.box.Public) {
			return fmt.Errorf("the box's key %s was also typed as another key; run the ceremony again without it", tka.FormatTLPub(c.box.Public))
		}
	}
	c.step("key", "%s %s key %s (%s)", c.made, c.box.URI.Scheme, tka.FormatTLPub(c.box.Public), c.box.URI)
	return nil
}

// attestStep records what the backend proves about the key.
func (c *Ceremony) attestStep(ctx context.Context) error {
	printf(c.t, "\n== Step 6: the key's attestation ==\n")
	var att hsm.Attestation
	if a := c.box.Attestation; a != nil {
		att = *a
	} else {
		var err error
		if att, err = c.key.Attest(ctx); err != nil {
			return fmt.Errorf("attesting the key (attestation.json is missing): %w", err)
		}
	}
	c.tr.Key = Key{PublicKey: tka.FormatTLPub(c.box.Public), Backend: c.box.URI.Scheme, URI: c.box.URI.String(),
		Made: c.made, Hardware: att.Hardware, Attestation: att.Summary, Facts: att.Facts}
	for _, e := range att.Evidence {
		c.tr.Key.Evidence = append(c.tr.Key.Evidence, sha256Hex(e))
	}
	printf(c.t, "  %s\n", att.Summary)
	c.step("attestation", "%s", att.Summary)
	c.tr.Keys = []string{FormatKeyArg(tka.NewEd25519Key(c.box.Public, 1))}
	for _, k := range c.others {
		c.tr.Keys = append(c.tr.Keys, FormatKeyArg(k))
	}
	return nil
}

// secretsStep makes the disablement secrets, shows each once and keeps
// their values.
func (c *Ceremony) secretsStep(ctx context.Context) error {
	printf(c.t, "\n== Step 7: %d disablement secrets ==\n", c.o.Secrets)
	values, err := makeDisablements(ctx, c.t, c.o.Rand, c.o.Secrets, c.o.QR)
	if err != nil {
		return err
	}
	c.values = values
	for i, v := range values {
		c.tr.Outputs = append(c.tr.Outputs, NewOutput(fmt.Sprintf("disablement-%d", i+1), tka.FormatDisablement(v)))
	}
	c.step("disablement", "%d secrets made from the system RNG, each shown once and confirmed by its last 4 digits; none stored", len(values))
	return nil
}

// initLineStep makes the init line; it is released at the end.
func (c *Ceremony) initLineStep(context.Context) error {
	printf(c.t, "\n== Step 8: the outputs ==\n")
	c.line = InitLine(c.tr.Keys, c.tr.Disablements())
	c.tr.Outputs = append(c.tr.Outputs, NewOutput("init-line", c.line))
	c.step("init-line", "made, sha256 %s; held back until the transcript is signed and written", sha256Hex([]byte(c.line)))
	return nil
}

// genesisStep makes and signs the genesis AUM in memory; it goes into
// the chain store at the end.
func (c *Ceremony) genesisStep(ctx context.Context) error {
	if !c.o.Genesis {
		return nil
	}
	var ids [16]byte
	if _, err := io.ReadFull(c.o.Rand, ids[:]); err != nil {
		return fmt.Errorf("reading the system RNG: %w", err)
	}
	state := tka.State{
		Keys:              append([]tka.Key{tka.NewEd25519Key(c.box.Public, 1)}, c.others...),
		DisablementValues: c.values,
		StateID1:          stateID(ids[:8]),
		StateID2:          stateID(ids[8:]),
	}
	printf(c.t, "Signing the genesis AUM with the box's key.\n")
	err := c.retrySign(ctx, "the genesis AUM", func() error {
		_, g, err := tka.Create(ctx, tka.NewMemStore(), state, c.sess)
		c.genesis = g
		return err
	})
	if err != nil {
		return fmt.Errorf("creating the genesis AUM: %w", err)
	}
	c.tr.Outputs = append(c.tr.Outputs, NewOutput("genesis-aum", c.genesisHex()))
	c.step("genesis", "genesis AUM %v signed by the box; it goes into %s once the transcript is written", c.genesis.Hash(), c.o.Chain.Path())
	return nil
}

// stateID makes a non-zero state ID from 8 random bytes.
func stateID(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v | 1
}

func (c *Ceremony) genesisHex() string {
	return fmt.Sprintf("%x", c.genesis.Serialize())
}

// finish signs the transcript and writes it, stores the genesis, journals
// the hashes and only then releases the outputs on Stdout.
func (c *Ceremony) finish(ctx context.Context) error {
	last := c.record("transcript", "signed by the box's key, written to %s and %s", filepath.Base(c.paths[0]), filepath.Base(c.paths[1]))
	c.tr.Finished = c.now()
	printf(c.t, "Signing the transcript with the box's key.\n")
	var f *File
	err := c.retrySign(ctx, "the transcript", func() (err error) {
		f, err = Sign(ctx, &c.tr, c.sess)
		return err
	})
	if err != nil {
		return err
	}
	j, err := f.Marshal()
	if err != nil {
		return err
	}
	md := f.Markdown()
	if err := c.o.WriteNew(c.paths[0], j); err != nil {
		return err
	}
	if err := c.o.WriteNew(c.paths[1], md); err != nil {
		return err
	}
	c.logStep(last)
	if c.genesis != nil {
		// Every AUM in chain.log is named by the journal before it is
		// stored (signer/chainnotes.go); the start checks rely on it.
		if err := signer.NoteChainAdds(c.o.Journal, "genesis from the ceremony", c.o.Chain, []*tka.AUM{c.genesis}); err != nil {
			return fmt.Errorf("journaling the genesis AUM before storing it: %w", err)
		}
		if _, err := tka.Bootstrap(c.o.Chain, c.genesis); err != nil {
			return fmt.Errorf("storing the genesis AUM in %s: %w", c.o.Chain.Path(), err)
		}
		fmt.Fprintf(c.o.Log, "signet: the genesis AUM %v is stored in %s\n", c.genesis.Hash(), c.o.Chain.Path())
	}
	r, err := c.note("ceremony", map[string]string{
		"transcript-sha256": sha256Hex(j), "markdown-sha256": sha256Hex(md),
		"key": c.tr.Key.PublicKey, "digest": f.Signature.Digest,
	})
	if err != nil {
		return hinted(fmt.Errorf("the transcript is written but not journaled, so the init line is held back: %w", err),
			"the init line is the init-line output of the transcript; 'signet ceremony verify' checks it")
	}
	c.release()
	fmt.Fprintf(c.o.Log, "signet: the ceremony is done; the init line is on stdout; transcript %s (and .md), journal record %d\n", c.paths[0], r.Seq)
	printf(c.t, "\nThe ceremony is done. Print %s and have everyone present sign it.\n", c.paths[1])
	return nil
}

// release prints the outputs on Stdout.
func (c *Ceremony) release() {
	fmt.Fprintln(c.o.Stdout, c.line)
	if c.genesis != nil {
		fmt.Fprintln(c.o.Stdout, c.genesisHex())
	}
}

// retrySign runs sign and, when it fails for a reason other than the
// context (a YubiKey not touched in time, a device unplugged), asks the
// people present whether to try again, up to maxRetries times: the
// secrets are on paper by now, and a device hiccup should not waste them.
func (c *Ceremony) retrySign(ctx context.Context, what string, sign func() error) error {
	for try := 1; ; try++ {
		err := sign()
		if err == nil || ctx.Err() != nil || errors.Is(err, hsm.ErrCanceled) || try == maxRetries {
			return err
		}
		printf(c.t, "Signing %s failed: %s\n", what, oneLine(err.Error()))
		line, rerr := c.t.ReadLine(ctx, "Check the key (plugged in? touch it when it blinks), then press Enter to try again, or type stop: ")
		if rerr != nil || line == "stop" {
			return err
		}
	}
}
