package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(path, []byte("from the file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadInput(strings.NewReader("stdin"), path, "--x"); err != nil || string(b) != "from the file" {
		t.Errorf("a file: %q, %v", b, err)
	}
	if b, err := ReadInput(strings.NewReader("from stdin"), "-", "--x"); err != nil || string(b) != "from stdin" {
		t.Errorf("standard input: %q, %v", b, err)
	}
	_, err := ReadInput(nil, filepath.Join(t.TempDir(), "missing"), "--x")
	if !IsUsage(err) || !strings.HasPrefix(err.Error(), "--x: open ") {
		t.Errorf("a missing file: %v (usage %t)", err, IsUsage(err))
	}
	boom := errors.New("boom")
	if _, err := ReadInput(iotest.ErrReader(boom), "-", "--x"); !errors.Is(err, boom) || IsUsage(err) || err.Error() != "reading --x: boom" {
		t.Errorf("a read error: %v", err)
	}
	testOnlyMaxInput = 2 << 20
	defer func() { testOnlyMaxInput = MaxInput }()
	if _, err := ReadInput(zeros{}, "-", "--x"); err == nil || err.Error() != "--x is larger than 2 MiB" {
		t.Errorf("too much input: %v", err)
	}
}

// zeros is an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
