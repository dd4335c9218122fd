package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// testfixMain is the "testfix" command of the CLI scripts. It makes
// fixtures (chains, journals) and damages files; it exists only in the
// test binary.
//
//	testfix chain N OUT json|hex|badsig|nogenesis
//	testfix genesis OUT SECRET...   (hex disablement secrets)
//	testfix transcript OUT SCHEMA   (OUT.json and OUT.md, signed)
//	testfix journal DIR REQUESTS
//	testfix replace FILE OLD NEW
//	testfix appendraw FILE TEXT
//	testfix flip FILE OFFSET MASK   (a negative OFFSET counts from the end)
//	testfix cut FILE N              (keep N bytes; a negative N cuts -N)
//	testfix chainlen FILE           (add 1000 to the last record's length)
//	testfix chaintorn FILE N        (append N bytes of a copy of the last record)
func testfixMain() {
	if err := testfix(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "testfix:", err)
		os.Exit(1)
	}
}

func testfix(args []string) error {
	if len(args) < 3 && (len(args) < 2 || args[0] != "chainlen") {
		return fmt.Errorf("usage: testfix chain|journal|replace|appendraw|flip|cut ARGS")
	}
	switch args[0] {
	case "chain":
		n, _ := strconv.Atoi(args[1])
		return fixChain(n, args[2], args[3])
	case "genesis":
		return fixGenesis(args[1], args[2:])
	case "transcript":
		schema, _ := strconv.Atoi(args[2])
		return fixTranscript(args[1], schema)
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
	case "flip", "cut":
		return fixDamage(args)
	case "chainlen":
		return fixChainLen(args[1], -1)
	case "chaintorn":
		n, _ := strconv.Atoi(args[2])
		return fixChainLen(args[1], n)
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

// fixJournal journals n sign-node requests (received, approved, issued,
// released) and writes their signatures (by a chaingen key) to
// signatures.jsonl, as the daemon does.
func fixJournal(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	j, err := signer.OpenJournal(dir)
	if err != nil {
		return err
	}
	defer j.Close()
	// A fixed clock, a second per record: the records, their hashes and
	// the verbs' output are the same on every run (golden files).
	at := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	j.SetClockForTests(func() time.Time { at = at.Add(time.Second); return at })
	index, err := os.OpenFile(statedir.Path(dir, statedir.SigIndex), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer index.Close()
	for i := range n {
		var nk tka.NodeKey
		nk[0] = byte(i + 1)
		sig, err := tka.SignNodeKey(context.Background(), chaingen.NewKey(1), nk, nil)
		if err != nil {
			return err
		}
		raw := sig.Serialize()
		line, _ := json.Marshal(indexLine{Request: fmt.Sprintf("req-%d", i+1), NodeKey: nk.String(), Signature: hex.EncodeToString(raw)})
		if _, err := index.Write(append(line, '\n')); err != nil {
			return err
		}
		sum := sha256.Sum256(raw)
		base := signer.Record{RequestID: fmt.Sprintf("req-%d", i+1), Kind: api.KindSignNode,
			Requester: "uid 0 (signet)", Digest: fmt.Sprintf("%064x", i+1)}
		for _, typ := range []signer.RecordType{signer.RecReceived, signer.RecDecision, signer.RecIssued, signer.RecReleased} {
			r := base
			r.Type = typ
			if typ == signer.RecDecision {
				r.Outcome = signer.OutcomeApproved
			}
			if typ == signer.RecIssued {
				r.SigHash = hex.EncodeToString(sum[:])
			}
			if _, err := j.Append(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// fixDamage flips one byte (XOR MASK) or cuts a file.
func fixDamage(args []string) error {
	b, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(args[2])
	if err != nil {
		return err
	}
	if n < 0 {
		n += len(b)
	}
	if n < 0 || n > len(b) || args[0] == "flip" && n == len(b) {
		return fmt.Errorf("%s has %d bytes; %s is out of range", args[1], len(b), args[2])
	}
	if args[0] == "cut" {
		return os.WriteFile(args[1], b[:n], 0o600)
	}
	mask, err := strconv.ParseUint(args[3], 0, 8)
	if err != nil {
		return err
	}
	b[n] ^= byte(mask)
	return os.WriteFile(args[1], b, 0o600)
}

// fixChainLen adds 1000 to the length field of the last record of a
// chain.log: a complete record whose length now runs past the end. With
// torn >= 0 it appends the first torn bytes of that record instead, as
// an interrupted commit leaves them.
func fixChainLen(path string, torn int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	off, last := 8, -1
	for off+37 <= len(b) {
		last = off
		off += 37 + int(binary.BigEndian.Uint32(b[off+1:]))
	}
	if last < 0 || off != len(b) {
		return fmt.Errorf("%s is not a clean chain store", path)
	}
	if torn >= 0 {
		return os.WriteFile(path, append(b, b[last:last+torn]...), 0o600)
	}
	binary.BigEndian.PutUint32(b[last+1:], binary.BigEndian.Uint32(b[last+1:])+1000)
	return os.WriteFile(path, b, 0o600)
}
