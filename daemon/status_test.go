package daemon

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/statedir"
)

// TestAskStatusNoDaemon checks which daemon is asked, through the hint of
// the error when none answers. TestRun asks a running one.
func TestAskStatusNoDaemon(t *testing.T) {
	ctx := context.Background()
	empty := t.TempDir()
	stale := t.TempDir()
	if _, err := statedir.WriteServeRecord(stale, statedir.ServeRecordDoc{Socket: filepath.Join(stale, "gone.sock"), PID: 1, Boot: "x"}); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(empty, "none.sock")
	tests := []struct {
		w    Where
		hint string
	}{
		{Where{Dir: empty, DirGiven: true, Socket: missing}, "signet: hint: start the daemon with 'signet serve --state " + empty + "', or pass --socket\n"},
		{Where{Dir: stale, Socket: missing}, "signet: hint: start the daemon with 'signet serve --state " + stale + "', or pass --socket\n"},
		{Where{Dir: empty, Socket: missing}, "signet: hint: start the daemon with 'signet serve', or pass --state DIR or --socket\n"},
		{Where{Dir: stale, Socket: missing, SocketGiven: true}, "signet: hint: is signet serve running on " + missing + "? --state DIR finds the daemon of DIR wherever its socket is\n"},
	}
	for _, tt := range tests {
		_, err := AskStatus(ctx, tt.w)
		if got := printed(err); !strings.HasPrefix(got, "signet: error: ") || !strings.HasSuffix(got, tt.hint) {
			t.Errorf("AskStatus(%+v): %q, want the hint %q", tt.w, got, tt.hint)
		}
	}
}
