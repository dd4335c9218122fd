package daemon

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
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

func TestNewStatusReport(t *testing.T) {
	tries := true
	for _, tt := range []struct {
		st   api.StatusInfo
		want string
	}{
		{api.StatusInfo{Head: "H", BoxKey: "tlpub:01", Queue: 2},
			`{"schema_version":1,"head":"H","box_key":"tlpub:01","box_key_trusted":false,"trusted_keys":[],"disablement_values":0,"queue":2}`},
		{api.StatusInfo{Head: "H", BoxKey: "tlpub:01", BoxKeyTrusted: true, Keys: []string{"tlpub:01", "tlpub:02"}, Votes: []uint{2},
			DisablementValues: 1, HSM: &api.HSMStatus{Backend: "tpm", Present: true, PINRetries: 31, MaxTries: 32, LockoutAuthSet: &tries, Policy: "PIN"}},
			`{"schema_version":1,"head":"H","box_key":"tlpub:01","box_key_trusted":true,` +
				`"trusted_keys":[{"public_key":"tlpub:01","votes":2},{"public_key":"tlpub:02","votes":0}],"disablement_values":1,` +
				`"key_device":{"backend":"tpm","present":true,"pin_tries_left":31,"max_tries":32,"lockout":false,"lockout_auth_set":true,"policy":"PIN"},"queue":0}`},
	} {
		b, err := json.Marshal(NewStatusReport(&tt.st))
		if err != nil || string(b) != tt.want {
			t.Errorf("NewStatusReport(%+v) =\n%s, %v; want\n%s", tt.st, b, err, tt.want)
		}
	}
}
