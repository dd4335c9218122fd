package ceremony

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// BoxKey is the box's key as the state directory records it.
type BoxKey struct {
	URI    hsm.URI
	Public ed25519.PublicKey
	// Attestation is what the backend proved when the key was made, or
	// nil when that record is missing: the key is then asked.
	Attestation *hsm.Attestation
}

// Journal records the ceremony's events as note records; a
// *signer.Journal is one.
type Journal interface {
	Append(signer.Record) (signer.Record, error)
}

// Chain is the chain store a genesis AUM goes into; a *signer.ChainStore
// is one.
type Chain interface {
	tka.Store
	Path() string
}

// Options configure one ceremony. The CLI fills them from its flags and
// the state directory.
type Options struct {
	// Terminal is where the people present read and type.
	Terminal Terminal
	// Stdout receives the outputs once the transcript is written: the
	// init line and, with Genesis, the genesis AUM in hex.
	Stdout io.Writer
	// Log receives one line per step, after the step happened, and the
	// warnings (the CLI's stderr). Secrets never go here.
	Log io.Writer
	// StateDir is the absolute state directory (for the plan).
	StateDir string
	// OutDir is the directory the transcript goes into; it must exist.
	OutDir string
	// Secrets is how many disablement secrets to make, 1 to MaxSecrets.
	Secrets int
	// QR shows each secret as a QR code before the text.
	QR bool
	// Genesis makes the genesis AUM of a new authority, signed by the box;
	// it goes into Chain once the transcript is written.
	Genesis bool
	// Chain is the empty chain store for Genesis.
	Chain Chain
	// Key is the key already in the state directory, or nil: MakeKey then
	// makes one with Backend.
	Key *BoxKey
	// Backend names the backend of a new key: tpm, piv or soft.
	Backend string
	// MakeKey makes the box's new key on the terminal, as 'signet key
	// init' does, and records it in the state directory.
	MakeKey func(ctx context.Context) (*BoxKey, error)
	// Open opens a key URI; nil means hsm.Open.
	Open func(ctx context.Context, uri string, pins hsm.PINPrompt) (hsm.Key, error)
	// Journal records the start and the end (or the abort).
	Journal Journal
	// WriteNew writes a new file durably; it fails if the file exists.
	WriteNew func(path string, data []byte) error
	// Rand is the source of the secrets and state IDs; nil means
	// crypto/rand.
	Rand io.Reader
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Version is signet's version, recorded in the transcript.
	Version string
}

// Ceremony is one run of the offline key ceremony.
type Ceremony struct {
	o     Options
	t     Terminal
	tr    Transcript
	paths [2]string // the transcript's .json and .md

	others  []tka.Key
	box     *BoxKey
	made    string // "new" or "existing"
	key     hsm.Key
	pins    *askPIN
	sess    hsm.Session
	values  [][]byte
	line    string   // the init line, released at the end
	genesis *tka.AUM // with Genesis, stored at the end
}

// New checks the options and the output directory; nothing is asked or
// touched yet.
func New(o Options) (*Ceremony, error) {
	switch {
	case o.Terminal == nil || o.Stdout == nil || o.Log == nil || o.Journal == nil || o.WriteNew == nil:
		return nil, errors.New("ceremony: Terminal, Stdout, Log, Journal and WriteNew are required")
	case o.Key == nil && o.MakeKey == nil:
		return nil, errors.New("ceremony: no key, and no MakeKey to make one")
	case o.Secrets < 1 || o.Secrets > MaxSecrets:
		return nil, fmt.Errorf("%d disablement secrets is out of range; use 1-%d", o.Secrets, MaxSecrets)
	case o.Genesis && o.Chain == nil:
		return nil, errors.New("ceremony: a genesis needs a chain store")
	}
	if o.Open == nil {
		o.Open = hsm.Open
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Ceremony{o: o, t: o.Terminal}
	now := c.now()
	c.tr = Transcript{Schema: Schema, ID: "ceremony-" + now.Format("20060102T150405Z"), Signet: o.Version, Started: now, RunbookPeople: RunbookPeople}
	if err := c.checkOut(); err != nil {
		return nil, err
	}
	if o.Genesis {
		heads, err := o.Chain.Heads()
		if err != nil {
			return nil, fmt.Errorf("reading the chain store: %w", err)
		}
		if len(heads) > 0 {
			return nil, hinted(fmt.Errorf("the chain store %s already holds an authority; a genesis needs an empty one", o.Chain.Path()),
				"run the ceremony without --genesis, or in a state directory with no chain.log")
		}
	}
	return c, nil
}

// ID is the ceremony's name, ceremony-<UTC time>.
func (c *Ceremony) ID() string { return c.tr.ID }

// Paths are the transcript's .json and .md files.
func (c *Ceremony) Paths() (jsonPath, mdPath string) { return c.paths[0], c.paths[1] }

func (c *Ceremony) now() time.Time { return c.o.Now().UTC().Truncate(time.Second) }

// checkOut checks that the transcript can be written to OutDir.
func (c *Ceremony) checkOut() error {
	if fi, err := os.Stat(c.o.OutDir); err != nil || !fi.IsDir() {
		return hinted(fmt.Errorf("%s is not a directory", c.o.OutDir), "mount the medium or make the directory first")
	}
	for i, ext := range []string{".json", ".md"} {
		c.paths[i] = filepath.Join(c.o.OutDir, c.tr.ID+ext)
		if _, err := os.Lstat(c.paths[i]); err == nil {
			return hinted(fmt.Errorf("%s already exists", c.paths[i]), "wait a second and run the ceremony again")
		}
	}
	return nil
}

// Run asks the inputs, then makes the key, unlocks it, makes the secrets
// and the outputs, and signs and writes the transcript; only then are the
// outputs released on Stdout. After the plan is confirmed, a failure is
// journaled.
func (c *Ceremony) Run(ctx context.Context) (err error) {
	defer c.close()
	if err := c.askInputs(ctx); err != nil {
		return err
	}
	if _, err := c.note("ceremony-start", nil); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			c.note("ceremony-aborted", map[string]string{"error": oneLine(err.Error())})
		}
	}()
	steps := []func(context.Context) error{c.keyStep, c.unlockStep, c.attestStep, c.secretsStep, c.initLineStep, c.genesisStep, c.finish}
	for _, s := range steps {
		if err := s(ctx); err != nil {
			return err
		}
	}
	return nil
}

// close ends the unlock (the session wipes what it holds) and releases
// the key.
func (c *Ceremony) close() {
	if c.sess != nil {
		c.sess.Close()
	}
	if c.key != nil {
		c.key.Close()
	}
}

// step records one step's result in the transcript and logs it. Call it
// only once the step has happened.
func (c *Ceremony) step(name, format string, args ...any) {
	c.logStep(c.record(name, format, args...))
}

// record adds a step to the transcript without logging it.
func (c *Ceremony) record(name, format string, args ...any) Step {
	s := Step{N: len(c.tr.Steps) + 1, Name: name, Time: c.now(), Result: fmt.Sprintf(format, args...)}
	c.tr.Steps = append(c.tr.Steps, s)
	return s
}

func (c *Ceremony) logStep(s Step) {
	fmt.Fprintf(c.o.Log, "signet: ceremony step %d, %s: %s\n", s.N, s.Name, s.Result)
}

// warn records a warning in the transcript and shows it.
func (c *Ceremony) warn(msg string) {
	c.tr.Warnings = append(c.tr.Warnings, msg)
	fmt.Fprintf(c.o.Log, "signet: warning: %s\n", msg)
	printf(c.t, "WARNING: %s\n", msg)
}

// note journals a ceremony event; a failure is reported, not fatal, except
// where the caller says so.
func (c *Ceremony) note(event string, detail map[string]string) (signer.Record, error) {
	d := map[string]string{"event": event, "ceremony": c.tr.ID}
	for k, v := range detail {
		d[k] = v
	}
	r, err := c.o.Journal.Append(signer.Record{Type: signer.RecNote, Detail: d})
	if err != nil {
		fmt.Fprintf(c.o.Log, "signet: warning: journaling %s: %s\n", event, oneLine(err.Error()))
	}
	return r, err
}

// upperFirst returns s with its first letter in upper case (ASCII).
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// plural picks the word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
