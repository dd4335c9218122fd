package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/testrig"
	"github.com/signetbox/signet/internal/tmpfstest"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// diskFullSteps maps what the daemon says when a write fails to what the
// journal and the index must then show for the request.
var diskFullSteps = []struct {
	says   string
	issued bool // an issued record and index lines exist
}{
	{"the journal could not be written, so nothing will be signed", false},
	{"but signatures.jsonl could not be written, so nothing was released", false},
	{"but the journal could not record it, so nothing was released", false},
	{"but its release could not be journaled, so the result was not released", true},
}

// TestServeDiskFull runs the real daemon on a small tmpfs, fills it, and
// sends sign requests until a write fails. The answer must say what was
// signed and released, and the files must show exactly that; after room
// is made the daemon starts again on them, and journal verify agrees.
func TestServeDiskFull(t *testing.T) {
	t.Parallel()
	needPTY(t, "the disk-full test")
	dir := tmpfstest.Mount(t, 1024)
	r := &crashRig{t: t, bin: testenv.BuildSignet(t), dir: dir, rng: rand.New(rand.NewPCG(1, 2)),
		approved: make(chan struct{}, 1), gate: newCrashGate(), log: newCrashLog(), noDeny: true}
	r.sock = filepath.Join(t.TempDir(), "signet.sock")
	testrig.SoftKey(t, dir, statedir.Path(dir, statedir.SoftKey), crashPassphrase)
	d := r.mustStart()
	tmpfstest.Fill(t, dir)
	c := api.NewUnixClient(r.sock)
	var failed *api.Response
	for i := range 40 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		resp, err := c.Send(ctx, &api.Request{ID: fmt.Sprintf("full-%d", i), Kind: api.KindSignNode, NodeKey: fmt.Sprintf("nodekey:%064x", 0x1000+i)})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status == api.StatusError {
			failed = resp
			break
		}
	}
	if failed == nil {
		t.Fatal("40 requests on a full tmpfs all succeeded")
	}
	t.Logf("the daemon said: %s", failed.Error)
	step := -1
	for i, s := range diskFullSteps {
		if strings.Contains(failed.Error, s.says) {
			step = i
		}
	}
	if step < 0 || !strings.Contains(failed.Error, "no space left on device") {
		t.Fatalf("the answer does not say which step failed and why: %s", failed.Error)
	}
	issued, released := false, false
	if _, err := signer.ScanFile(statedir.Path(dir, statedir.Journal), func(rec signer.Record) error {
		if rec.RequestID == failed.ID {
			issued = issued || rec.Type == signer.RecIssued
			released = released || rec.Type == signer.RecReleased
		}
		return nil
	}); err != nil {
		t.Fatalf("the journal after a full disk: %v", err)
	}
	inIndex := false
	if err := signer.ScanSignatures(dir, func(s signer.IssuedSignature) { inIndex = inIndex || s.Request == failed.ID }); err != nil {
		t.Fatal(err)
	}
	if released || issued != diskFullSteps[step].issued || inIndex != diskFullSteps[step].issued {
		t.Fatalf("the answer says %q, but the files show issued=%v released=%v in the index=%v", diskFullSteps[step].says, issued, released, inIndex)
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r.reap(d)
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	d = r.mustStart()
	defer func() {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		r.reap(d)
	}()
	if out, err := r.signet("journal", "verify", "--state", dir); err != nil {
		t.Fatalf("journal verify after the restart: %v\n%s", err, out)
	}
}
