package tka

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// SignNodeKey makes a direct signature over nodeKey with signer's trusted
// key. rotationPub, if not nil, is the node's own tailnet-lock key (the
// tlpub: that `tailscale lock status` prints beside its node key): it lets
// the node re-sign itself when it rotates its node key.
func SignNodeKey(ctx context.Context, signer Signer, nodeKey NodeKey, rotationPub ed25519.PublicKey) (*NodeKeySignature, error) {
	if rotationPub != nil && len(rotationPub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("rotation key is %d bytes, want 32", len(rotationPub))
	}
	s := &NodeKeySignature{
		SigKind:        SigDirect,
		Pubkey:         nodeKey.Binary(),
		KeyID:          []byte(signer.PublicKey()),
		WrappingPubkey: rotationPub,
	}
	return s, signNKS(ctx, signer, s)
}

// SignCredential makes a credential signature: signer's trusted key
// delegates to wrapping the right to sign one node key.
func SignCredential(ctx context.Context, signer Signer, wrapping ed25519.PublicKey) (*NodeKeySignature, error) {
	if len(wrapping) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("wrapping key is %d bytes, want 32", len(wrapping))
	}
	s := &NodeKeySignature{SigKind: SigCredential, KeyID: []byte(signer.PublicKey()), WrappingPubkey: wrapping}
	return s, signNKS(ctx, signer, s)
}

func signNKS(ctx context.Context, signer Signer, s *NodeKeySignature) error {
	sig, err := signChecked(ctx, signer, s.SigHash())
	if err != nil {
		return fmt.Errorf("signing node-key signature: %w", err)
	}
	s.Signature = sig
	return nil
}

// SignRotation wraps nested (a direct signature with a wrapping key, or a
// credential) in a rotation signature over nodeKey, made with the private
// key that nested names as wrapping key. A node does this itself when it
// rotates its node key, or when it joins with a wrapped pre-auth key.
func SignRotation(priv ed25519.PrivateKey, nested *NodeKeySignature, nodeKey NodeKey) (*NodeKeySignature, error) {
	want, ok := nested.WrappingPublic()
	if !ok {
		return nil, errors.New("the nested signature names no wrapping key")
	}
	if !want.Equal(priv.Public()) {
		return nil, errors.New("the private key is not the nested signature's wrapping key")
	}
	s := &NodeKeySignature{SigKind: SigRotation, Pubkey: nodeKey.Binary(), Nested: nested}
	h := s.SigHash()
	s.Signature = ed25519.Sign(priv, h[:])
	return s, nil
}

// authKeyEncoding encodes the parts of a wrapped pre-auth key.
var authKeyEncoding = base64.RawStdEncoding

// WrapAuthKey returns a pre-auth key that carries a credential signed by
// signer, so a new device joins already signed:
// <authKey>--TL<credential>-<one-time private key>. rand supplies the
// one-time key. The result contains a secret: show it only to the operator.
func WrapAuthKey(ctx context.Context, signer Signer, authKey string, rand io.Reader) (string, error) {
	if !strings.HasPrefix(authKey, "tskey-") {
		return "", errors.New("the pre-auth key does not start with \"tskey-\"")
	}
	if strings.Contains(authKey, "--TL") {
		return "", errors.New("the pre-auth key is already wrapped")
	}
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return "", fmt.Errorf("making the one-time key: %w", err)
	}
	defer clear(priv)
	cred, err := SignCredential(ctx, signer, pub)
	if err != nil {
		return "", err
	}
	return authKey + "--TL" + authKeyEncoding.EncodeToString(cred.Serialize()) + "-" + authKeyEncoding.EncodeToString(priv), nil
}

// WrappedAuthKey is a pre-auth key taken apart.
type WrappedAuthKey struct {
	// AuthKey is the pre-auth key without the wrapping.
	AuthKey string
	// Credential is the credential signature.
	Credential *NodeKeySignature
	// Private is the one-time key the credential delegates to.
	Private ed25519.PrivateKey
}

// ParseWrappedAuthKey takes a wrapped pre-auth key apart. Errors never
// repeat the key.
func ParseWrappedAuthKey(s string) (*WrappedAuthKey, error) {
	authKey, suffix, ok := strings.Cut(s, "--TL")
	if !ok {
		return nil, errors.New("the pre-auth key is not wrapped (no \"--TL\" part)")
	}
	sigText, privText, ok := strings.Cut(suffix, "-")
	if !ok {
		return nil, errors.New("the wrapped pre-auth key has no \"-\" between credential and private key")
	}
	raw, err := authKeyEncoding.DecodeString(sigText)
	if err != nil {
		return nil, errors.New("the credential part of the wrapped pre-auth key is not base64")
	}
	cred, err := DecodeNodeKeySignature(raw)
	if err != nil {
		return nil, err
	}
	if cred.SigKind != SigCredential {
		return nil, fmt.Errorf("the wrapped pre-auth key carries a %v signature, not a credential", cred.SigKind)
	}
	priv, err := authKeyEncoding.DecodeString(privText)
	if err != nil || len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("the private-key part of the wrapped pre-auth key is not a base64 Ed25519 key")
	}
	return &WrappedAuthKey{AuthKey: authKey, Credential: cred, Private: priv}, nil
}
