package piv

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	pivgo "github.com/go-piv/piv-go/v2/piv"
)

// Prompts Provision and Unblock pass as why to PINPrompt.PIN. Do NOT
// reorder: callers switch on them.
const (
	WhyCurrentPIN    = "current PIN (123456 on a new YubiKey)"
	WhyNewPIN        = "new PIN (6 to 8 characters)"
	WhyCurrentPUK    = "current PUK (12345678 on a new YubiKey)"
	WhyNewPUK        = "new PUK (6 to 8 characters)"
	WhyManagementKey = "current management key (48 hex digits)"
	WhyPUK           = "PUK"
)

// ProvisionOptions configures Provision.
type ProvisionOptions struct {
	// Serial picks the YubiKey; zero means the only one inserted.
	Serial uint32
	// Slot receives the key; zero means [DefaultSlot].
	Slot byte
	// PINPolicy and TouchPolicy of the new key; defaults: once, always.
	PINPolicy   PINPolicy
	TouchPolicy TouchPolicy
	// Prompt is asked for the current and new PIN and PUK (see the Why
	// constants), and for the current management key when it is neither
	// the default nor stored on the card.
	Prompt PINPrompt
	// ReturnManagementKey hands the new random management key back, once,
	// for offline storage. Otherwise it is stored on the card, readable
	// only after the PIN is verified.
	ReturnManagementKey bool
	// Overwrite replaces a key already in the slot.
	Overwrite bool
}

// Provisioned describes a freshly provisioned YubiKey.
type Provisioned struct {
	Serial    uint32
	Slot      byte
	Firmware  string
	PublicKey ed25519.PublicKey
	// ManagementKey is set only with ReturnManagementKey: store it offline
	// now, it is not shown again. The caller wipes it.
	ManagementKey []byte
}

// newManagementKeyLen is an AES-192 key, the YubiKey 5.7 default type.
const newManagementKeyLen = 24

// Provision prepares a YubiKey 5.7+ for signet: it replaces the PIN, the
// PUK and the management key (none stays at its factory value), then
// generates an Ed25519 key on the card. It never imports a key.
//
// The steps run in an order that never loses a secret: PIN and PUK first,
// then the key, then the management key, so a failure leaves a card that a
// second run with the then-current secrets finishes.
func Provision(ctx context.Context, o ProvisionOptions) (*Provisioned, error) {
	slot, err := slotFor(o.Slot)
	if err != nil {
		return nil, err
	}
	keyOpts, err := keyOptions(o)
	if err != nil {
		return nil, err
	}
	if o.Prompt == nil {
		return nil, errors.New("piv: provisioning needs a PIN prompt")
	}
	c, err := openCard(o.Serial)
	if err != nil {
		return nil, err
	}
	defer c.close()
	p := provisioner{c: c, o: o, slot: slot}
	return p.run(ctx, keyOpts)
}

func keyOptions(o ProvisionOptions) (pivgo.Key, error) {
	pp, err := o.PINPolicy.piv()
	if err != nil {
		return pivgo.Key{}, err
	}
	tp, err := o.TouchPolicy.piv()
	if err != nil {
		return pivgo.Key{}, err
	}
	return pivgo.Key{Algorithm: pivgo.AlgorithmEd25519, PINPolicy: pp, TouchPolicy: tp}, nil
}

type provisioner struct {
	c    *card
	o    ProvisionOptions
	slot pivgo.Slot
}

func (p *provisioner) run(ctx context.Context, keyOpts pivgo.Key) (*Provisioned, error) {
	if _, err := p.c.yk.KeyInfo(p.slot); err == nil && !p.o.Overwrite {
		return nil, fmt.Errorf("piv: slot %s of YubiKey %d already holds a key; set Overwrite to replace it (the old key is lost)", p.slot, p.c.serial)
	}
	pin, err := p.verifyCurrentPIN(ctx)
	defer wipe(pin)
	if err != nil {
		return nil, err
	}
	mgm, err := p.currentManagementKey(ctx, pin)
	defer wipe(mgm)
	if err != nil {
		return nil, err
	}
	if err := p.changePUK(ctx); err != nil {
		return nil, err
	}
	if err := p.changePIN(ctx, pin); err != nil {
		return nil, err
	}
	pub, err := p.c.yk.GenerateKey(mgm, p.slot, keyOpts)
	if err != nil {
		return nil, fmt.Errorf("piv: generating an Ed25519 key in slot %s of YubiKey %d: %w", p.slot, p.c.serial, err)
	}
	newMgm, err := p.replaceManagementKey(mgm)
	if err != nil {
		return nil, err
	}
	out := &Provisioned{Serial: p.c.serial, Slot: byte(p.slot.Key), Firmware: p.c.firmware(), PublicKey: pub.(ed25519.PublicKey)}
	if p.o.ReturnManagementKey {
		out.ManagementKey = newMgm
	} else {
		wipe(newMgm)
	}
	return out, nil
}

func (p *provisioner) ask(ctx context.Context, why string) ([]byte, error) {
	b, err := p.o.Prompt.PIN(ctx, why)
	if err != nil {
		wipe(b)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: provisioning YubiKey %d stopped: %w", ErrCanceled, p.c.serial, ctx.Err())
		}
		return nil, fmt.Errorf("piv: reading the %s: %w", why, err)
	}
	return b, nil
}

// askNew reads a new PIN or PUK and refuses a factory default.
func (p *provisioner) askNew(ctx context.Context, why, what string, def []byte) ([]byte, error) {
	b, err := p.ask(ctx, why)
	if err != nil {
		return nil, err
	}
	switch {
	case len(b) < 6 || len(b) > 8:
		wipe(b)
		return nil, fmt.Errorf("piv: the new %s must have 6 to 8 characters; choose another", what)
	case bytes.Equal(b, def):
		wipe(b)
		return nil, fmt.Errorf("%w: the new %s is the factory default; choose another", ErrDefaults, what)
	}
	return b, nil
}

func (p *provisioner) verifyCurrentPIN(ctx context.Context) ([]byte, error) {
	_, left, err := p.c.pinState()
	if err != nil {
		return nil, fmt.Errorf("piv: reading the PIN state of YubiKey %d: %w", p.c.serial, err)
	}
	if left == 0 {
		return nil, blockedError(p.c.serial)
	}
	pin, err := p.ask(ctx, WhyCurrentPIN)
	if err != nil {
		return nil, err
	}
	if err := p.c.yk.VerifyPIN(string(pin)); err != nil {
		wipe(pin)
		return nil, authError(p.c.serial, false, err)
	}
	return pin, nil
}

// currentManagementKey finds the management key: the factory default, the
// key stored PIN-protected on the card, or one the operator types.
//
// Setting a key to itself is the only way piv-go v2.6.0 offers to test a
// management key; a wrong one costs no tries.
func (p *provisioner) currentManagementKey(ctx context.Context, pin []byte) ([]byte, error) {
	try := func(k []byte) bool { return len(k) > 0 && p.c.yk.SetManagementKey(k, k) == nil }
	if def := bytes.Clone(pivgo.DefaultManagementKey); try(def) {
		return def, nil
	}
	if md, err := p.c.yk.Metadata(string(pin)); err == nil && md.ManagementKey != nil {
		if k := bytes.Clone(*md.ManagementKey); try(k) {
			wipe(*md.ManagementKey)
			return k, nil
		}
	}
	typed, err := p.ask(ctx, WhyManagementKey)
	defer wipe(typed)
	if err != nil {
		return nil, err
	}
	k := make([]byte, hex.DecodedLen(len(typed)))
	if n, err := hex.Decode(k, typed); err == nil && try(k[:n]) {
		return k[:n], nil
	}
	wipe(k)
	return nil, fmt.Errorf("piv: the management key of YubiKey %d is not the default, not stored on the card, and not the one typed; find it, or reset the PIV applet", p.c.serial)
}

func (p *provisioner) changePUK(ctx context.Context) error {
	cur, err := p.ask(ctx, WhyCurrentPUK)
	defer wipe(cur)
	if err != nil {
		return err
	}
	next, err := p.askNew(ctx, WhyNewPUK, "PUK", []byte(pivgo.DefaultPUK))
	defer wipe(next)
	if err != nil {
		return err
	}
	if err := p.c.yk.SetPUK(string(cur), string(next)); err != nil {
		return authError(p.c.serial, true, err)
	}
	return nil
}

func (p *provisioner) changePIN(ctx context.Context, cur []byte) error {
	next, err := p.askNew(ctx, WhyNewPIN, "PIN", []byte(pivgo.DefaultPIN))
	defer wipe(next)
	if err != nil {
		return err
	}
	if err := p.c.yk.SetPIN(string(cur), string(next)); err != nil {
		return authError(p.c.serial, false, err)
	}
	return nil
}

// replaceManagementKey sets a random AES-192 management key. Unless the
// caller takes it, it is first stored on the card PIN-protected, so no step
// can lose it.
func (p *provisioner) replaceManagementKey(cur []byte) ([]byte, error) {
	next := make([]byte, newManagementKeyLen)
	if _, err := rand.Read(next); err != nil {
		return nil, fmt.Errorf("piv: making a management key: %w", err)
	}
	if !p.o.ReturnManagementKey {
		if err := p.c.yk.SetMetadata(cur, &pivgo.Metadata{ManagementKey: &next}); err != nil {
			wipe(next)
			return nil, fmt.Errorf("piv: storing the management key on YubiKey %d: %w", p.c.serial, err)
		}
	}
	if err := p.c.yk.SetManagementKey(cur, next); err != nil {
		wipe(next)
		return nil, fmt.Errorf("piv: setting the management key of YubiKey %d (the key was generated; run provisioning again to replace the management key): %w", p.c.serial, err)
	}
	return next, nil
}
