package main

import (
	"context"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/terminal"
)

// initSoft writes a passphrase-encrypted software key (development only).
func initSoft(ctx context.Context, con *terminal.Line, dir string) (*initResult, error) {
	path := statedir.Path(dir, statedir.SoftKey)
	pub, err := soft.Create(ctx, path, &ttyPrompt{con: con, noun: "passphrase"})
	if err != nil {
		return nil, err
	}
	return &initResult{uri: hsm.URI{Scheme: "soft", Path: path}, pub: pub, att: softAttestation(path)}, nil
}

// softAttestation is what soft.Key.Attest says, without asking for the
// passphrase again: a software key proves nothing.
func softAttestation(path string) hsm.Attestation {
	return hsm.Attestation{
		Backend: "soft",
		Summary: soft.Summary,
		Facts:   map[string]string{"path": path, "kdf": "argon2id", "cipher": "xchacha20-poly1305"},
	}
}
