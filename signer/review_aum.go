package signer

// Rules for this file: a review shows every field that the signature
// covers (issue 12: "everything that is signed is shown"). For an AUM
// that is the whole AUM but its signatures: kind, parent, and the key,
// key ID, votes, metadata or state it carries. Numbers, keys and hashes
// are signet's own text; key metadata is the requester's, and goes into
// Review.Signed to be shown escaped under its own heading.

import (
	"fmt"
	"sort"

	"github.com/signetbox/signet/tka"
)

// describeAUM lists every field of u that a signature over u.SigHash()
// covers: lines in signet's words, and the key metadata as given. When
// after is set u follows another AUM of the same request, whose hash
// covers its signature and so is not known before it is signed.
func describeAUM(u *tka.AUM, after bool) (lines []string, signed []Claim) {
	parent := "genesis (no parent)"
	if h, ok := u.Parent(); ok {
		parent = "parent " + h.String()
	}
	if after {
		parent = "parent: the AUM above, once signed"
	}
	lines = append(lines, fmt.Sprintf("%v AUM, %s", u.MessageKind, parent))
	switch u.MessageKind {
	case tka.AUMAddKey:
		if u.Key != nil {
			lines = append(lines, "  adds "+keyLine(*u.Key))
			signed = append(signed, metaClaims(u.Key.Public, u.Key.Meta)...)
		}
	case tka.AUMRemoveKey:
		lines = append(lines, "  removes key "+tka.FormatTLPub(u.KeyID))
	case tka.AUMUpdateKey:
		line := "  updates key " + tka.FormatTLPub(u.KeyID)
		if u.Votes != nil {
			line += fmt.Sprintf(": votes %d", *u.Votes)
		}
		if u.Meta != nil {
			line += fmt.Sprintf(": metadata (%d entries, below)", len(u.Meta))
			signed = append(signed, metaClaims(u.KeyID, u.Meta)...)
		}
		lines = append(lines, line)
	case tka.AUMCheckpoint:
		if u.State != nil {
			more, meta := describeState(u.State)
			lines = append(lines, more...)
			signed = append(signed, meta...)
		}
	}
	return lines, signed
}

// describeState lists a checkpoint's state: state IDs, keys and
// disablement values.
func describeState(st *tka.State) (lines []string, signed []Claim) {
	lines = append(lines, fmt.Sprintf("  state ids %d and %d; %d trusted keys, %d disablement values:",
		st.StateID1, st.StateID2, len(st.Keys), len(st.DisablementValues)))
	for _, k := range st.Keys {
		lines = append(lines, "  key "+keyLine(k))
		signed = append(signed, metaClaims(k.Public, k.Meta)...)
	}
	for _, d := range st.DisablementValues {
		lines = append(lines, fmt.Sprintf("  disablement value %x", d))
	}
	return lines, signed
}

// keyLine is a trusted key in one line: tlpub, kind and votes.
func keyLine(k tka.Key) string {
	return fmt.Sprintf("%s (%v) with %d vote(s)", tka.FormatTLPub(k.Public), k.Kind, k.Votes)
}

// metaClaims lists a key's metadata, sorted by name, each named after
// the key's short form.
func metaClaims(pub []byte, meta map[string]string) []Claim {
	names := make([]string, 0, len(meta))
	for n := range meta {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Claim, 0, len(names))
	for _, n := range names {
		out = append(out, Claim{Name: "metadata of " + ShortKey(tka.FormatTLPub(pub)) + ": " + n, Value: meta[n]})
	}
	return out
}
