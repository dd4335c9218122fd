package statedir

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
	remove, err := WriteServeRecord(dir, ServeRecordDoc{Socket: "rel/signet.sock", PID: 42, Boot: "first"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ReadServeRecord(dir)
	if err != nil || !filepath.IsAbs(r.Socket) || !strings.HasSuffix(r.Socket, "/rel/signet.sock") || r.PID != 42 || r.Boot != "first" {
		t.Fatalf("ReadServeRecord = %+v, %v; want the socket made absolute", r, err)
	}
	if fi, err := os.Stat(Path(dir, ServeRecord)); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("serve.json: %v, %v; want mode 0644 (public, read by status)", fi, err)
	}
	// A later daemon's record is not removed by the earlier one's stop.
	remove2, err := WriteServeRecord(dir, ServeRecordDoc{Socket: "/run/x.sock", PID: 43, Boot: "second"})
	if err != nil {
		t.Fatal(err)
	}
	remove()
	if r, err := ReadServeRecord(dir); err != nil || r.Boot != "second" {
		t.Fatalf("after the first daemon's remove: %+v, %v; want the second's record", r, err)
	}
	remove2()
	if _, err := ReadServeRecord(dir); !errors.Is(err, ErrNoDaemon) {
		t.Fatalf("after its own daemon's remove: %v, want ErrNoDaemon", err)
	}
	// Garbage is an error that names the file, not a daemon.
	for _, junk := range []string{"{}", "not json", `{"socket":"/s"}`} {
		if err := os.WriteFile(Path(dir, ServeRecord), []byte(junk), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadServeRecord(dir); err == nil || errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "serve.json is not a daemon record") {
			t.Fatalf("record %q: %v", junk, err)
		}
	}
}

func TestServeRecordErrors(t *testing.T) {
	missing := Path(t.TempDir(), "missing")
	if _, err := WriteServeRecord(missing, ServeRecordDoc{Socket: "/s", Boot: "b"}); err == nil || !strings.Contains(err.Error(), "recording the socket") {
		t.Fatalf("a record in a missing directory: %v", err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(Path(dir, ServeRecord), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadServeRecord(dir); err == nil || errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "reading the daemon's record") {
		t.Fatalf("serve.json a directory: %v", err)
	}
}
