package signer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeRecord(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadServeRecord(dir); !errors.Is(err, ErrNoDaemon) {
		t.Fatalf("no record: %v, want ErrNoDaemon", err)
	}
	remove, err := WriteServeRecord(dir, ServeRecord{Socket: "rel/signet.sock", PID: 42, Boot: "first"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ReadServeRecord(dir)
	if err != nil || !filepath.IsAbs(r.Socket) || !strings.HasSuffix(r.Socket, "/rel/signet.sock") || r.PID != 42 || r.Boot != "first" {
		t.Fatalf("ReadServeRecord = %+v, %v; want the socket made absolute", r, err)
	}
	// A later daemon's record is not removed by the earlier one's stop.
	if _, err := WriteServeRecord(dir, ServeRecord{Socket: "/run/x.sock", PID: 43, Boot: "second"}); err != nil {
		t.Fatal(err)
	}
	remove()
	if r, err := ReadServeRecord(dir); err != nil || r.Boot != "second" {
		t.Fatalf("after the first daemon's remove: %+v, %v; want the second's record", r, err)
	}
	// Garbage is an error that names the file, not a daemon.
	if err := os.WriteFile(filepath.Join(dir, serveRecordFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadServeRecord(dir); err == nil || !strings.Contains(err.Error(), "serve.json is not a daemon record") {
		t.Fatalf("an empty record: %v", err)
	}
	// A record whose socket nobody serves is stale: ErrNoDaemon.
	if _, err := WriteServeRecord(dir, ServeRecord{Socket: filepath.Join(dir, "none.sock"), PID: 44, Boot: "gone"}); err != nil {
		t.Fatal(err)
	}
	if _, r, err := StateDirStatus(t.Context(), dir); !errors.Is(err, ErrNoDaemon) || r.PID != 44 || !strings.Contains(err.Error(), "(pid 44, socket "+dir+"/none.sock) does not answer") {
		t.Fatalf("a stale record: %+v, %v", r, err)
	}
}
