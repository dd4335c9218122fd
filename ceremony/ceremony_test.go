package ceremony

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// TestRunNewSoftKey runs a whole ceremony that makes a soft key: the
// passphrase is asked once to unlock, before any secret; the genesis goes
// into the chain store and the outputs reach stdout only at the end.
func TestRunNewSoftKey(t *testing.T) {
	r := newRig(t)
	term := newTerm(inputs([]string{"Alice Example", "Bob Builder"}, []string{otherKey}, testPass, last4[0], last4[1], last4[2])...)
	o := r.options(term, 3)
	o.Backend, o.Genesis, o.QR = "soft", true, true
	made := 0
	o.MakeKey = func(ctx context.Context) (*BoxKey, error) {
		made++
		printf(term, "New passphrase: (typed twice)\n")
		b := softKey(t, r.dir)
		a := soft.Summary
		b.Attestation = &hsm.Attestation{Backend: "soft", Summary: a}
		return b, nil
	}
	store, err := signer.OpenChainStore(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	o.Chain = store
	c, err := r.run(o)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, term.out.String())
	}
	if made != 1 || term.count("Passphrase, to unlock the key for this ceremony: ") != 1 || term.qrs != 3 {
		t.Fatalf("made %d keys, %d unlock prompts, %d QR codes", made, term.count("to unlock"), term.qrs)
	}
	mustContainInOrder(t, term.out.String(), "New passphrase", "Passphrase, to unlock the key", "disablement-secret:", "The ceremony is done.")

	jsonPath, mdPath := c.Paths()
	f, err := VerifyFile(jsonPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &f.Transcript
	var names []string
	for _, s := range tr.Steps {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "people keys plan key unlock attestation disablement init-line genesis transcript" {
		t.Errorf("steps: %s", got)
	}
	if fmtLines(tr.People) != `["Alice Example" "Bob Builder"]` || tr.FewerPeopleConfirmed || tr.RunbookPeople != 2 || tr.Key.Made != "new" {
		t.Errorf("transcript: %+v", tr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout.String()), "\n")
	if len(lines) != 2 || lines[0] != tr.Output("init-line").Value || lines[1] != tr.Output("genesis-aum").Value {
		t.Fatalf("stdout:\n%s", r.stdout.String())
	}
	a, err := tka.Open(store)
	if err != nil || len(a.Keys()) != 2 || len(a.State().DisablementValues) != 3 {
		t.Fatalf("the chain store's authority: %v", err)
	}
	// The note between them names the genesis before it was stored.
	if ev := fmtLines(r.events()); ev != `["ceremony-start" "" "ceremony"]` {
		t.Errorf("journal: %s", ev)
	}
	log := r.log.String()
	mustContainInOrder(t, log,
		"signet: ceremony step 1, people: 2 present: Alice Example, Bob Builder\n",
		"signet: warning: the soft backend is for development only",
		"signet: ceremony step 5, unlock: the passphrase was checked by decrypting the key file; the key is unlocked for this ceremony's signatures\n",
		"signet: ceremony step 10, transcript: signed by the box's key, written to ceremony-20261123T132558Z.json and ceremony-20261123T132558Z.md\n",
		"signet: the genesis AUM ",
		"signet: the ceremony is done; the init line is on stdout; transcript "+jsonPath+" (and .md), journal record 3\n")
	if _, err := os.Stat(mdPath); err != nil {
		t.Error(err)
	}
	for _, s := range shownSecrets(term.out.String()) {
		for _, where := range []string{r.stdout.String(), log} {
			if strings.Contains(where, strings.TrimPrefix(s, tka.PrefixDisablementSecret)) {
				t.Fatalf("a secret left the terminal")
			}
		}
	}
}

// TestRunWrongPassphrase mistypes the passphrase of an existing key: it is
// asked again, nothing typed before is lost, and no secret is shown
// before the right one.
func TestRunWrongPassphrase(t *testing.T) {
	r := newRig(t)
	box := softKey(t, r.dir)
	// One witness, confirmed; no other key; then a wrong passphrase.
	term := newTerm("Alice", "", FewerWord, "", "begin", "wrong", testPass, last4[0])
	o := r.options(term, 1)
	o.Key = box
	c, err := r.run(o)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, term.out.String())
	}
	if n := term.count("to unlock the key for this ceremony"); n != 2 {
		t.Fatalf("%d unlock prompts, want 2", n)
	}
	mustContainInOrder(t, term.out.String(), "Wrong passphrase; type it again.", "Passphrase, to unlock", "disablement-secret:")
	if strings.Count(term.out.String(), "disablement-secret:") != 1 {
		t.Fatal("the secret was not shown exactly once")
	}
	f, err := VerifyFile(func() string { j, _ := c.Paths(); return j }(), box.Public)
	if err != nil {
		t.Fatal(err)
	}
	tr := &f.Transcript
	if !tr.FewerPeopleConfirmed || tr.Key.Made != "existing" || tr.Key.Attestation != soft.Summary {
		t.Errorf("transcript: %+v", tr)
	}
	if got := tr.Steps[4].Result; !strings.HasSuffix(got, "(after 1 wrong entry)") {
		t.Errorf("unlock step: %s", got)
	}
	if got := tr.Steps[0].Result; got != `1 present: Alice; fewer than the 2 the runbook asks for, confirmed by typing "fewer witnesses"` {
		t.Errorf("people step: %s", got)
	}
	if len(tr.Warnings) != 1 || !strings.HasPrefix(tr.Warnings[0], "no other signing key") {
		t.Errorf("warnings: %q", tr.Warnings)
	}
}

// TestRunStopsBeforeSecrets stops at the unlock: wrong passphrases until
// the retries run out, an empty line, a closed terminal. No secret is
// shown, nothing reaches stdout or the output directory, and the journal
// says the ceremony stopped.
func TestRunStopsBeforeSecrets(t *testing.T) {
	tests := []struct {
		name    string
		typed   []string
		prompts int
		wantErr string
	}{
		{"three wrong", []string{"a", "b", "c"}, 3, "opening the key "},
		{"closed after a wrong one", []string{"a"}, 2, "opening the key "},
		{"empty lines", []string{"", "", ""}, 3, "opening the key "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			term := newTerm(inputs([]string{"Alice", "Bob"}, []string{otherKey}, tt.typed...)...)
			o := r.options(term, 1)
			o.Key = softKey(t, r.dir)
			_, err := r.run(o)
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("Run = %v, want %q", err, tt.wantErr)
			}
			if n := term.count("to unlock"); n != tt.prompts {
				t.Errorf("%d unlock prompts, want %d", n, tt.prompts)
			}
			if strings.Contains(term.out.String(), "disablement-secret:") || r.stdout.Len() != 0 || len(r.outFiles()) != 0 {
				t.Fatalf("a secret, stdout or a file after a failed unlock:\n%s\n%s\n%q", term.out.String(), r.stdout.String(), r.outFiles())
			}
			if ev := fmtLines(r.events()); ev != `["ceremony-start" "ceremony-aborted"]` {
				t.Errorf("journal: %s", ev)
			}
		})
	}
}

// TestRunOnTPM runs two ceremonies on a key sealed to the simulator: the
// first unlocks after one wrong PIN and signs the genesis and the
// transcript with that unlock; the second finds too few tries left and
// stops before asking.
func TestRunOnTPM(t *testing.T) {
	sim := openSim(t)
	r := newRig(t)
	box, open := simKey(t, sim, r.dir, 3)
	term := newTerm(inputs([]string{"Alice", "Bob"}, []string{otherKey}, "1111", tpmPIN, last4[0])...)
	o := r.options(term, 1)
	o.Key, o.Open, o.Genesis = box, open, true
	store, err := signer.OpenChainStore(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	o.Chain = store
	c, err := r.run(o)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, term.out.String())
	}
	if n := term.count("TPM PIN, to unlock the key for this ceremony: "); n != 2 {
		t.Errorf("%d unlock prompts, want 2", n)
	}
	mustContainInOrder(t, term.out.String(), "3 TPM PIN tries left", "Wrong TPM PIN; type it again.", "2 TPM PIN tries left", "disablement-secret:")
	j, _ := c.Paths()
	f, err := VerifyFile(j, box.Public)
	if err != nil {
		t.Fatal(err)
	}
	if f.Transcript.Output("genesis-aum") == nil || f.Transcript.Key.Attestation == "" {
		t.Errorf("transcript: %+v", f.Transcript)
	}

	// The DA counter remembers the wrong PIN: 2 tries left. One more wrong
	// one leaves 1, and the ceremony stops rather than ask again.
	r2 := newRig(t)
	term = newTerm(inputs([]string{"Alice", "Bob"}, []string{otherKey}, "1111", tpmPIN)...)
	o = r2.options(term, 1)
	o.Key, o.Open = box, open
	_, err = r2.run(o)
	if err == nil || err.Error() != "the key's device has 1 PIN try left, and the ceremony never spends the last one; nothing was shown or written" {
		t.Fatalf("Run with 2 tries left and a wrong PIN: %v", err)
	}
	if n := term.count("to unlock"); n != 1 || strings.Contains(term.out.String(), "disablement-secret:") || r2.stdout.Len() != 0 {
		t.Fatalf("%d prompts; secret or stdout after the refusal:\n%s", n, term.out.String())
	}
}

// failingJournal is a real journal whose appends of one event fail, as
// a full disk would make them.
type failingJournal struct {
	*signer.Journal
	event string
}

func (j failingJournal) Append(rec signer.Record) (signer.Record, error) {
	if rec.Detail["event"] == j.event {
		return signer.Record{}, fmt.Errorf("%w: no space left on device", signer.ErrJournalWrite)
	}
	return j.Journal.Append(rec)
}

// TestRunHoldsOutputsBack fails after the secrets were shown: the
// transcript cannot be written, or it is written but not journaled. The
// init line stays off stdout either way.
func TestRunHoldsOutputsBack(t *testing.T) {
	t.Run("write fails", func(t *testing.T) {
		r := newRig(t)
		term := newTerm(inputs([]string{"Alice", "Bob"}, []string{otherKey}, testPass, last4[0])...)
		o := r.options(term, 1)
		o.Key = softKey(t, r.dir)
		o.WriteNew = func(path string, data []byte) error {
			if strings.HasSuffix(path, ".md") {
				return errors.New("writing " + path + ": read-only file system")
			}
			return writeNewFile(path, data)
		}
		_, err := r.run(o)
		if err == nil || !strings.HasSuffix(err.Error(), ": read-only file system") {
			t.Fatalf("Run = %v", err)
		}
		if r.stdout.Len() != 0 || strings.Contains(r.log.String(), "step 10, transcript") {
			t.Fatalf("stdout %q; log:\n%s", r.stdout.String(), r.log.String())
		}
		if ev := fmtLines(r.events()); ev != `["ceremony-start" "ceremony-aborted"]` {
			t.Errorf("journal: %s", ev)
		}
	})
	t.Run("journal fails", func(t *testing.T) {
		r := newRig(t)
		term := newTerm(inputs([]string{"Alice", "Bob"}, []string{otherKey}, testPass, last4[0])...)
		o := r.options(term, 1)
		o.Key = softKey(t, r.dir)
		o.Journal = failingJournal{r.journal, "ceremony"}
		_, err := r.run(o)
		if err == nil || !strings.HasPrefix(err.Error(), "the transcript is written but not journaled, so the init line is held back: ") {
			t.Fatalf("Run = %v", err)
		}
		if r.stdout.Len() != 0 || len(r.outFiles()) != 2 {
			t.Fatalf("stdout %q, files %q", r.stdout.String(), r.outFiles())
		}
		if !strings.Contains(r.log.String(), "signet: warning: journaling ceremony: ") {
			t.Errorf("log:\n%s", r.log.String())
		}
	})
	t.Run("journal fails at the start", func(t *testing.T) {
		r := newRig(t)
		term := newTerm(inputs([]string{"Alice", "Bob"}, []string{otherKey})...)
		o := r.options(term, 1)
		o.Key = softKey(t, r.dir)
		o.Journal = failingJournal{r.journal, "ceremony-start"}
		if _, err := r.run(o); !errors.Is(err, signer.ErrJournalWrite) || len(r.events()) != 0 {
			t.Fatalf("Run = %v, events %q", err, r.events())
		}
	})
}

// flakyKey is a real soft key whose unlock session fails some
// signatures as an unplugged device would.
type flakyKey struct {
	hsm.Key
	fail map[int]bool // which signatures (1-based) of the session fail
}

func (k *flakyKey) Unlock(ctx context.Context, why string) (hsm.Session, error) {
	s, err := k.Key.Unlock(ctx, why)
	if err != nil {
		return nil, err
	}
	return &flakySession{Session: s, fail: k.fail}, nil
}

type flakySession struct {
	hsm.Session
	fail map[int]bool
	n    int
}

func (s *flakySession) Sign(ctx context.Context, h [32]byte) ([]byte, error) {
	s.n++
	if s.fail[s.n] {
		return nil, fmt.Errorf("%w: the device went away", hsm.ErrNoDevice)
	}
	return s.Session.Sign(ctx, h)
}

// TestRunSignRetry: a signature that fails after the secrets were shown
// is tried again when someone presses Enter, and stops on "stop".
func TestRunSignRetry(t *testing.T) {
	for _, tt := range []struct {
		name, answer string
		wantErr      bool
	}{{"enter", "", false}, {"stop", "stop", true}} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			term := newTerm(inputs([]string{"Alice", "Bob"}, []string{otherKey}, testPass, last4[0], tt.answer)...)
			o := r.options(term, 1)
			o.Key = softKey(t, r.dir)
			o.Open = func(ctx context.Context, uri string, pins hsm.PINPrompt) (hsm.Key, error) {
				k, err := hsm.Open(ctx, uri, pins)
				if err != nil {
					return nil, err
				}
				return &flakyKey{Key: k, fail: map[int]bool{1: true}}, nil // the transcript fails once
			}
			_, err := r.run(o)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Run = %v", err)
			}
			if !strings.Contains(term.out.String(), "Signing the transcript failed: signing the transcript: no device found: the device went away\n") {
				t.Errorf("terminal:\n%s", term.out.String())
			}
			if released := r.stdout.Len() > 0; released == tt.wantErr {
				t.Errorf("stdout %q", r.stdout.String())
			}
		})
	}
}

// TestRunKeyChecks covers the key step's refusals and the attestation
// read from the key when its record is missing.
func TestRunKeyChecks(t *testing.T) {
	t.Run("new key typed as another", func(t *testing.T) {
		r := newRig(t)
		box := softKey(t, r.dir)
		term := newTerm(inputs([]string{"Alice", "Bob"}, []string{tka.FormatTLPub(box.Public)})...)
		o := r.options(term, 1)
		o.Backend, o.MakeKey = "soft", func(context.Context) (*BoxKey, error) { return box, nil }
		_, err := r.run(o)
		if err == nil || !strings.HasSuffix(err.Error(), "was also typed as another key; run the ceremony again without it") {
			t.Fatalf("Run = %v", err)
		}
	})
	t.Run("making the key fails", func(t *testing.T) {
		r := newRig(t)
		o := r.options(newTerm(inputs([]string{"Alice", "Bob"}, []string{otherKey})...), 1)
		o.Backend, o.MakeKey = "tpm", func(context.Context) (*BoxKey, error) { return nil, errors.New("no TPM") }
		if _, err := r.run(o); err == nil || err.Error() != "no TPM" {
			t.Fatalf("Run = %v", err)
		}
	})
	t.Run("device swapped", func(t *testing.T) {
		r := newRig(t)
		box := softKey(t, r.dir)
		box.Public = openSoft(t, softKey(t, t.TempDir())).PublicKey()
		o := r.options(newTerm(inputs([]string{"Alice", "Bob"}, []string{otherKey}, testPass)...), 1)
		o.Key = box
		if _, err := r.run(o); err == nil || !strings.HasSuffix(err.Error(), "; was the device swapped?") {
			t.Fatalf("Run = %v", err)
		}
	})
	t.Run("plan refused", func(t *testing.T) {
		r := newRig(t)
		term := newTerm("Alice", "Bob", "", "", "no")
		o := r.options(term, 1)
		o.Key = softKey(t, r.dir)
		if _, err := r.run(o); err == nil || err.Error() != `you did not type "begin"; nothing was changed` || len(r.events()) != 0 {
			t.Fatalf("Run = %v", err)
		}
		if !strings.Contains(term.out.String(), "  key:          the existing soft key tlpub:") {
			t.Errorf("plan:\n%s", term.out.String())
		}
	})
	t.Run("secrets stop", func(t *testing.T) {
		r := newRig(t)
		o := r.options(newTerm(inputs([]string{"Alice", "Bob"}, []string{otherKey}, testPass, "0000", "1111", "2222")...), 1)
		o.Key = softKey(t, r.dir)
		if _, err := r.run(o); err == nil || !strings.HasPrefix(err.Error(), "the last 4 digits of disablement secret 1 were typed wrong 3 times") {
			t.Fatalf("Run = %v", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		r := newRig(t)
		o := r.options(newTerm("Alice"), 1)
		o.Key = softKey(t, r.dir)
		c, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := c.Run(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v", err)
		}
	})
}

// TestNew checks the options before anything is asked.
func TestNew(t *testing.T) {
	r := newRig(t)
	good := func() Options {
		o := r.options(newTerm(), 1)
		o.Key = &BoxKey{}
		return o
	}
	file := filepath.Join(r.dir, "file")
	os.WriteFile(file, nil, 0o600)
	full, err := signer.OpenChainStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	k := openSoft(t, softKey(t, t.TempDir()))
	if _, _, err := tka.Create(context.Background(), full, tka.State{Keys: []tka.Key{tka.NewEd25519Key(k.PublicKey(), 1)}, DisablementValues: [][]byte{make([]byte, 32)}, StateID1: 1, StateID2: 1}, k); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		edit    func(*Options)
		wantErr string
	}{
		{"no journal", func(o *Options) { o.Journal = nil }, "ceremony: Terminal, Stdout, Log, Journal and WriteNew are required"},
		{"no key", func(o *Options) { o.Key = nil }, "ceremony: no key, and no MakeKey to make one"},
		{"no secrets", func(o *Options) { o.Secrets = 0 }, "0 disablement secrets is out of range; use 1-32"},
		{"too many secrets", func(o *Options) { o.Secrets = 33 }, "33 disablement secrets is out of range; use 1-32"},
		{"genesis without a store", func(o *Options) { o.Genesis = true }, "ceremony: a genesis needs a chain store"},
		{"out is a file", func(o *Options) { o.OutDir = file }, file + " is not a directory"},
		{"out is missing", func(o *Options) { o.OutDir = filepath.Join(r.dir, "nowhere") }, filepath.Join(r.dir, "nowhere") + " is not a directory"},
		{"chain not empty", func(o *Options) { o.Genesis, o.Chain = true, full }, "the chain store " + full.Path() + " already holds an authority; a genesis needs an empty one"},
		{"transcript exists", func(o *Options) { os.WriteFile(filepath.Join(r.out, "ceremony-20261123T132558Z.md"), nil, 0o600) },
			filepath.Join(r.out, "ceremony-20261123T132558Z.md") + " already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good()
			tt.edit(&o)
			_, err := New(o)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("New = %v, want %q", err, tt.wantErr)
			}
		})
	}
	o := good()
	o.Rand, o.Now, o.Open = nil, nil, nil
	os.Remove(filepath.Join(r.out, "ceremony-20261123T132558Z.md"))
	c, err := New(o)
	if err != nil || !strings.HasPrefix(c.ID(), "ceremony-") {
		t.Fatalf("New with defaults: %v", err)
	}
}
