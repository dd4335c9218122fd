package signer

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/statedir"
)

// A record whose socket nobody serves is stale: ErrNoDaemon.
func TestStateDirStatusStaleRecord(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := StateDirStatus(t.Context(), dir); !errors.Is(err, statedir.ErrNoDaemon) {
		t.Fatalf("no record: %v, want ErrNoDaemon", err)
	}
	if _, err := statedir.WriteServeRecord(dir, statedir.ServeRecordDoc{Socket: filepath.Join(dir, "none.sock"), PID: 44, Boot: "gone"}); err != nil {
		t.Fatal(err)
	}
	if _, r, err := StateDirStatus(t.Context(), dir); !errors.Is(err, statedir.ErrNoDaemon) || r.PID != 44 || !strings.Contains(err.Error(), "(pid 44, socket "+dir+"/none.sock) does not answer") {
		t.Fatalf("a stale record: %+v, %v", r, err)
	}
}
