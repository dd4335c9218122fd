// Package tpm keeps the Tailnet Lock key sealed in a TPM 2.0.
//
// TPMs do not do Ed25519, so the key is a 32-byte Ed25519 seed sealed to the
// TPM: a KeyedHash object under a persisted ECC P-256 storage root key (SRK,
// 0x81000001) whose policy is PolicyPCR(sha256: PCRs) then PolicyAuthValue,
// with the PIN as its auth value. [Key.Unlock] unseals the seed once over
// a salted, encrypted policy session into a session that signs in memory
// and wipes the key on Close; [Key.Sign] does that for one signature.
// Wrong PINs count against the TPM's dictionary-attack (DA) protection,
// whose lockout secret provisioning sets and hands back once.
//
// # Functions for the signet key verbs
//
//   - signet key init: [Provision]
//   - signet key show / attest: [Open], then [Key.Attest] and [Key.Status],
//     or [ReadKeyFile] and [ReadStatus] without a PIN
//   - signet key change-pin: [ChangePIN]
//   - signet key reset-lockout: [ResetLockout]
//
// [OpenDevice] opens /dev/tpmrm0, tcp://host:port (swtpm's server port) or
// unix:///path (swtpm's unixio socket), retrying TPM_RC_RETRY, YIELDED and
// TESTING. Importing the package registers the "tpm" scheme with
// [hsm.Register].
package tpm
