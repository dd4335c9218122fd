package tpm

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
	"github.com/signetbox/signet/hsm"
)

// SRKHandle is the persistent handle of the storage root key, as the TCG
// provisioning guidance reserves it.
const SRKHandle = tpm2.TPMHandle(0x81000001)

// srk is a loaded storage root key.
type srk struct {
	handle tpm2.TPMHandle
	name   tpm2.TPM2BName
	pub    tpm2.TPMTPublic
}

// findSRK reads the SRK at SRKHandle. When none is there and persist is
// true, it creates the TCG ECC P-256 SRK and persists it; when persist is
// false it returns an error wrapping errNoSRK.
func findSRK(t transport.TPM, persist bool) (*srk, error) {
	rsp, err := tpm2.ReadPublic{ObjectHandle: SRKHandle}.Execute(t)
	if err == nil {
		return checkSRK(rsp.OutPublic)
	}
	if !errors.Is(err, tpm2.TPMRCHandle) {
		return nil, fmt.Errorf("reading the storage root key at %#x: %w", SRKHandle, err)
	}
	if !persist {
		return nil, fmt.Errorf("%w: the TPM has no storage root key at %#x", errNoSRK, SRKHandle)
	}
	owner := tpm2.AuthHandle{Handle: tpm2.TPMRHOwner, Auth: tpm2.PasswordAuth(nil)}
	cp, err := tpm2.CreatePrimary{PrimaryHandle: owner, InPublic: tpm2.New2B(tpm2.ECCSRKTemplate)}.Execute(t)
	if err != nil {
		return nil, fmt.Errorf("creating the storage root key (is the owner hierarchy password-protected?): %w", err)
	}
	defer flush(t, cp.ObjectHandle)
	_, err = tpm2.EvictControl{
		Auth:             owner,
		ObjectHandle:     tpm2.NamedHandle{Handle: cp.ObjectHandle, Name: cp.Name},
		PersistentHandle: SRKHandle,
	}.Execute(t)
	if err != nil {
		return nil, fmt.Errorf("persisting the storage root key at %#x: %w", SRKHandle, err)
	}
	return checkSRK(cp.OutPublic)
}

var errNoSRK = errors.New("no storage root key")

func checkSRK(p tpm2.TPM2BPublic) (*srk, error) {
	pub, err := p.Contents()
	if err != nil {
		return nil, fmt.Errorf("decoding the storage root key: %w", err)
	}
	a := pub.ObjectAttributes
	if pub.Type != tpm2.TPMAlgECC || !a.Restricted || !a.Decrypt || !a.FixedTPM {
		return nil, fmt.Errorf("the key at %#x is not an ECC storage root key; evict it (tpm2_evictcontrol -c %#x) or clear the TPM, then provision again", SRKHandle, SRKHandle)
	}
	name, err := tpm2.ObjectName(pub)
	if err != nil {
		return nil, fmt.Errorf("naming the storage root key: %w", err)
	}
	return &srk{handle: SRKHandle, name: *name, pub: *pub}, nil
}

func flush(t transport.TPM, h tpm2.TPMHandle) {
	tpm2.FlushContext{FlushHandle: h}.Execute(t)
}

// newSeed returns 32 bytes mixed from the TPM's generator and the
// operating system's, so a flaw in either alone does not make the key
// predictable.
func newSeed(t transport.TPM) ([]byte, error) {
	var fromTPM []byte
	for len(fromTPM) < 32 {
		rsp, err := tpm2.GetRandom{BytesRequested: uint16(32 - len(fromTPM))}.Execute(t)
		if err != nil {
			return nil, fmt.Errorf("getting random bytes from the TPM: %w", err)
		}
		if len(rsp.RandomBytes.Buffer) == 0 {
			return nil, errors.New("the TPM returned no random bytes; check the TPM")
		}
		fromTPM = append(fromTPM, rsp.RandomBytes.Buffer...)
	}
	defer hsm.Wipe(fromTPM)
	fromOS := make([]byte, 32)
	defer hsm.Wipe(fromOS)
	rand.Read(fromOS)
	h := sha512.New()
	h.Write([]byte("signet tpm ed25519 seed v1\x00"))
	h.Write(fromTPM)
	h.Write(fromOS)
	sum := h.Sum(nil)
	defer hsm.Wipe(sum)
	return bytes.Clone(sum[:32]), nil
}

func pcrSelection(pcrs []int) tpm2.TPMLPCRSelection {
	var idx []uint
	for _, p := range pcrs {
		idx = append(idx, uint(p))
	}
	return tpm2.TPMLPCRSelection{PCRSelections: []tpm2.TPMSPCRSelection{{
		Hash:      tpm2.TPMAlgSHA256,
		PCRSelect: tpm2.PCClientCompatible.PCRs(idx...),
	}}}
}

// policyDigest returns the authPolicy PolicyPCR(sha256: pcrs, their
// current values) then PolicyAuthValue.
func policyDigest(t transport.TPM, pcrs []int) ([]byte, error) {
	sel := pcrSelection(pcrs)
	rsp, err := tpm2.PCRRead{PCRSelectionIn: sel}.Execute(t)
	if err != nil {
		return nil, fmt.Errorf("reading PCRs %v: %w", pcrs, err)
	}
	if len(rsp.PCRValues.Digests) != len(pcrs) {
		return nil, fmt.Errorf("the TPM returned %d of the %d sha256 PCRs %v; does it have a sha256 bank?", len(rsp.PCRValues.Digests), len(pcrs), pcrs)
	}
	h := sha256.New()
	for _, d := range rsp.PCRValues.Digests {
		h.Write(d.Buffer)
	}
	calc, err := tpm2.NewPolicyCalculator(tpm2.TPMAlgSHA256)
	if err != nil {
		return nil, err
	}
	if err := (tpm2.PolicyPCR{PcrDigest: tpm2.TPM2BDigest{Buffer: h.Sum(nil)}, Pcrs: sel}).Update(calc); err != nil {
		return nil, err
	}
	if err := (tpm2.PolicyAuthValue{}).Update(calc); err != nil {
		return nil, err
	}
	return calc.Hash().Digest, nil
}

// sealTemplate is the sealed object: data only the policy can release,
// bound to this TPM and this parent, counted by DA protection.
func sealTemplate(policy []byte) tpm2.TPMTPublic {
	return tpm2.TPMTPublic{
		Type:    tpm2.TPMAlgKeyedHash,
		NameAlg: tpm2.TPMAlgSHA256,
		ObjectAttributes: tpm2.TPMAObject{
			FixedTPM:        true,
			FixedParent:     true,
			AdminWithPolicy: true,
			UserWithAuth:    false, // only the policy session unseals
			NoDA:            false, // wrong PINs count toward lockout
		},
		AuthPolicy: tpm2.TPM2BDigest{Buffer: policy},
		Parameters: tpm2.NewTPMUPublicParms(tpm2.TPMAlgKeyedHash, &tpm2.TPMSKeyedHashParms{
			Scheme: tpm2.TPMTKeyedHashScheme{Scheme: tpm2.TPMAlgNull},
		}),
	}
}

// seal seals seed under s with the PCR+PIN policy and returns the
// marshaled TPM2B_PUBLIC and TPM2B_PRIVATE.
//
// NOTE: the seed and PIN travel in the first command parameter, which a
// salted session encrypts (AES-128-CFB), so a bus sniffer sees neither.
// go-tpm copies them into buffers this package cannot wipe.
func seal(t transport.TPM, s *srk, pcrs []int, pin, seed []byte) (pub, priv []byte, err error) {
	policy, err := policyDigest(t, pcrs)
	if err != nil {
		return nil, nil, err
	}
	sess := tpm2.HMAC(tpm2.TPMAlgSHA256, 16, tpm2.Salted(s.handle, s.pub), tpm2.AESEncryption(128, tpm2.EncryptIn))
	rsp, err := tpm2.Create{
		ParentHandle: tpm2.AuthHandle{Handle: s.handle, Name: s.name, Auth: sess},
		InSensitive: tpm2.TPM2BSensitiveCreate{Sensitive: &tpm2.TPMSSensitiveCreate{
			UserAuth: tpm2.TPM2BAuth{Buffer: pin},
			Data:     tpm2.NewTPMUSensitiveCreate(&tpm2.TPM2BSensitiveData{Buffer: seed}),
		}},
		InPublic: tpm2.New2B(sealTemplate(policy)),
	}.Execute(t)
	if err != nil {
		return nil, nil, fmt.Errorf("sealing the seed: %w", err)
	}
	return tpm2.Marshal(rsp.OutPublic), tpm2.Marshal(rsp.OutPrivate), nil
}

// unseal loads the sealed object under s and unseals it over a salted
// policy session that encrypts the response. The caller wipes the result.
func unseal(t transport.TPM, s *srk, kf *KeyFile, pin []byte) ([]byte, error) {
	pub, err := tpm2.Unmarshal[tpm2.TPM2BPublic](kf.Public)
	if err != nil {
		return nil, err
	}
	priv, err := tpm2.Unmarshal[tpm2.TPM2BPrivate](kf.Private)
	if err != nil {
		return nil, err
	}
	ld, err := tpm2.Load{
		ParentHandle: tpm2.AuthHandle{Handle: s.handle, Name: s.name, Auth: tpm2.PasswordAuth(nil)},
		InPrivate:    *priv,
		InPublic:     *pub,
	}.Execute(t)
	if err != nil {
		return nil, &tpmError{op: opLoad, err: err}
	}
	defer flush(t, ld.ObjectHandle)
	sess, closeSess, err := tpm2.PolicySession(t, tpm2.TPMAlgSHA256, 16,
		tpm2.Salted(s.handle, s.pub), tpm2.AESEncryption(128, tpm2.EncryptOut), tpm2.Auth(pin))
	if err != nil {
		return nil, fmt.Errorf("starting a policy session: %w", err)
	}
	defer closeSess()
	if _, err := (tpm2.PolicyPCR{PolicySession: sess.Handle(), Pcrs: pcrSelection(kf.PCRs)}).Execute(t); err != nil {
		return nil, &tpmError{op: opPolicy, err: err}
	}
	if _, err := (tpm2.PolicyAuthValue{PolicySession: sess.Handle()}).Execute(t); err != nil {
		return nil, &tpmError{op: opPolicy, err: err}
	}
	rsp, err := tpm2.Unseal{ItemHandle: tpm2.AuthHandle{Handle: ld.ObjectHandle, Name: ld.Name, Auth: sess}}.Execute(t)
	if err != nil {
		return nil, &tpmError{op: opUnseal, err: err}
	}
	return rsp.OutData.Buffer, nil
}
