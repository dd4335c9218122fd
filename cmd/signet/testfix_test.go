package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// testfixMain is the "testfix" command of the CLI scripts. It makes
// fixtures (chains, journals) and damages files; it exists only in the
// test binary.
//
//	testfix chain N OUT json|hex|badsig|nogenesis
//	testfix journal DIR REQUESTS
//	testfix replace FILE OLD NEW
//	testfix appendraw FILE TEXT
func testfixMain() {
	if err := testfix(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "testfix:", err)
		os.Exit(1)
	}
}

func testfix(args []string) error {
	if len(args) < 3 {
		return fmt.Errorf("usage: testfix chain|journal|replace|appendraw ARGS")
	}
	switch args[0] {
	case "chain":
		n, _ := strconv.Atoi(args[1])
		return fixChain(n, args[2], args[3])
	case "journal":
		n, _ := strconv.Atoi(args[2])
		return fixJournal(args[1], n)
	case "replace":
		b, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(args[2])) {
			return fmt.Errorf("%s holds no %q", args[1], args[2])
		}
		return os.WriteFile(args[1], bytes.Replace(b, []byte(args[2]), []byte(args[3]), 1), 0o600)
	case "appendraw":
		f, err := os.OpenFile(args[1], os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteString(args[2])
		return err
	}
	return fmt.Errorf("unknown fixture %q", args[0])
}

// fixChain writes a genesis and n updates made by chaingen.
func fixChain(n int, out, form string) error {
	c, err := chaingen.Build(n, nil)
	if err != nil {
		return err
	}
	aums := append([]*tka.AUM{c.Genesis}, c.Updates...)
	switch form {
	case "hex":
		var b bytes.Buffer
		b.WriteString("# chaingen fixture\n")
		for _, u := range aums {
			fmt.Fprintf(&b, "%s\n\n", hex.EncodeToString(u.Serialize()))
		}
		return os.WriteFile(out, b.Bytes(), 0o600)
	case "badsig":
		// Flip one bit of the head's signature; its stated hash is that
		// of the damaged bytes, so only the signature check can catch it.
		last := len(aums) - 1
		bad := *aums[last]
		bad.Signatures = slices.Clone(bad.Signatures)
		bad.Signatures[0].Signature = slices.Clone(bad.Signatures[0].Signature)
		bad.Signatures[0].Signature[5] ^= 1
		aums[last] = &bad
	case "nogenesis":
		aums = aums[1:]
	case "json":
	default:
		return fmt.Errorf("unknown chain form %q", form)
	}
	slices.Reverse(aums) // lock log lists the newest first
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	return printLogJSON(f, aums)
}

// fixJournal journals n requests (received, approved, issued, released).
func fixJournal(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	j, err := signer.OpenJournal(dir)
	if err != nil {
		return err
	}
	defer j.Close()
	for i := range n {
		base := signer.Record{RequestID: fmt.Sprintf("req-%d", i+1), Kind: signer.KindSignNode,
			Requester: "uid 0 (signet)", Digest: fmt.Sprintf("%064x", i+1)}
		for _, typ := range []signer.RecordType{signer.RecReceived, signer.RecDecision, signer.RecIssued, signer.RecReleased} {
			r := base
			r.Type = typ
			if typ == signer.RecDecision {
				r.Outcome = signer.OutcomeApproved
			}
			if typ == signer.RecIssued {
				r.SigHash = fmt.Sprintf("%064x", 1000+i)
			}
			if _, err := j.Append(r); err != nil {
				return err
			}
		}
	}
	return nil
}
