package keyfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "key")
	if err := Create(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, %v; want 0600", fi.Mode(), err)
	}
	if err := Create(p, []byte("two")); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second Create = %v, want already exists", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Fatalf("file = %q after refused Create", b)
	}
	if err := Replace(p, []byte("three")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "three" {
		t.Fatalf("file = %q after Replace", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temp files left behind: %v", ents)
	}
	os.Chmod(p, 0o644)
	fi, _ = os.Stat(p)
	if err := CheckMode(p, fi); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("CheckMode(0644) = %v", err)
	}
}
