package tpm

import (
	"bytes"
	"testing"

	"github.com/google/go-tpm/tpm2"
)

func sampleKeyFile() *KeyFile {
	return &KeyFile{
		PCRs:      []int{0, 7},
		SRKName:   []byte{0x00, 0x0b, 0xaa},
		PublicKey: bytes.Repeat([]byte{0x11}, 32),
		Public:    tpm2.Marshal(tpm2.New2B(sealTemplate(make([]byte, 32)))),
		Private:   []byte{0x00, 0x02, 0xde, 0xad},
	}
}

// TestKeyFileLayout pins the version 1 layout byte by byte.
func TestKeyFileLayout(t *testing.T) {
	k := sampleKeyFile()
	b := k.Marshal()
	want := []byte{
		'S', 'G', 'N', 'T', 'T', 'P', 'M', '\n', // magic
		1,       // version
		2, 0, 7, // two PCRs: 0 and 7
		0, 3, 0x00, 0x0b, 0xaa, // SRK name, u16 length first
	}
	want = append(want, k.PublicKey...)         // Ed25519 public key
	want = append(want, k.Public...)            // TPM2B_PUBLIC, as tpm2_create writes it
	want = append(want, 0x00, 0x02, 0xde, 0xad) // TPM2B_PRIVATE
	if !bytes.Equal(b[:len(b)-32], want) {
		t.Fatalf("layout\n got % x\nwant % x", b[:len(b)-32], want)
	}
	got, err := ParseKeyFile("k", b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Marshal(), b) {
		t.Fatal("parse then marshal does not round-trip")
	}
}

func FuzzParseKeyFile(f *testing.F) {
	f.Add(sampleKeyFile().Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKeyFile("k", b)
		if err != nil {
			return
		}
		if !bytes.Equal(k.Marshal(), b) {
			t.Fatal("parse then marshal does not round-trip")
		}
	})
}
