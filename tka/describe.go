package tka

import (
	"fmt"
	"strings"
)

// Describe is the text stanza of u, in the layout of `tailscale lock
// log`, with its signers added: one "Signed-by:" line per signature.
func (u *AUM) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "update %v (%v)\n", u.Hash(), u.MessageKind)
	printKey := func(k *Key, prefix string) {
		fmt.Fprintf(&b, "%sType: %v\n", prefix, k.Kind)
		fmt.Fprintf(&b, "%sKeyID: %s\n", prefix, FormatTLPub(k.Public))
		if k.Meta != nil {
			fmt.Fprintf(&b, "%sMetadata: %+v\n", prefix, k.Meta)
		}
	}
	switch u.MessageKind {
	case AUMAddKey:
		printKey(u.Key, "")
	case AUMRemoveKey:
		fmt.Fprintf(&b, "KeyID: %s\n", FormatTLPub(u.KeyID))
	case AUMUpdateKey:
		fmt.Fprintf(&b, "KeyID: %s\n", FormatTLPub(u.KeyID))
		if u.Votes != nil {
			fmt.Fprintf(&b, "Votes: %d\n", *u.Votes)
		}
		if u.Meta != nil {
			fmt.Fprintf(&b, "Metadata: %+v\n", u.Meta)
		}
	case AUMCheckpoint:
		fmt.Fprintln(&b, "Disablement values:")
		for _, v := range u.State.DisablementValues {
			fmt.Fprintf(&b, " - %x\n", v)
		}
		fmt.Fprintln(&b, "Keys:")
		for i := range u.State.Keys {
			printKey(&u.State.Keys[i], "  ")
		}
	}
	for _, s := range u.Signatures {
		fmt.Fprintf(&b, "Signed-by: %s\n", FormatTLPub(s.KeyID))
	}
	return b.String()
}
