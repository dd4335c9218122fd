package lockstatus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/tka"
)

// The outputs in testdata/real/<version> were captured from the real
// tailscale CLI and tailscaled of that release by the e2e test
// TestRealTailscaleCLI (go test ./e2e -run TestRealTailscaleCLI
// -update-captures): a tailnet of alpha, beta (signed at lock init),
// gamma and epsilon (locked out, then signed by the box), delta (joined
// with a pre-auth key the box wrapped) and the key the box added.

func readReal(t *testing.T, name string) []byte {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join("testdata", "real", "v*"))
	if len(dirs) == 0 {
		t.Fatal("no captures in testdata/real")
	}
	b, err := os.ReadFile(filepath.Join(dirs[len(dirs)-1], name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealStatusJSON: every signature of the real final status is rebuilt
// to bytes that the real chain (from the real lock log) authorizes.
func TestRealStatusJSON(t *testing.T) {
	st, err := ParseJSON(readReal(t, "alpha-final-status.json"))
	if err != nil {
		t.Fatal(err)
	}
	aums, err := tka.ParseLogJSON(readReal(t, "alpha-final-log.json"))
	if err != nil {
		t.Fatal(err)
	}
	store := tka.NewMemStore()
	a, err := tka.Bootstrap(store, aums[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Inform(store, aums[1:]); err != nil {
		t.Fatal(err)
	}
	if a.Head().String() != st.Head {
		t.Fatalf("the log's head %v is not the status's %s", a.Head(), st.Head)
	}
	if err := st.CheckAuthority(a); err != nil {
		t.Fatal(err)
	}
	nodes, err := st.SignedNodes()
	if err != nil {
		t.Fatal(err)
	}
	// alpha itself, beta, the relay's node, gamma, epsilon, zeta, delta.
	if len(nodes) != 7 {
		t.Fatalf("%d signed nodes, want 7", len(nodes))
	}
	kinds := map[tka.SigKind]int{}
	for _, n := range nodes {
		if err := a.NodeKeyAuthorized(n.NodeKey, n.Signature); err != nil {
			t.Errorf("%s (%s): the rebuilt signature is not authorized: %v", n.Name, n.NodeKey, err)
		}
		kinds[n.Sig.SigKind]++
	}
	if kinds[tka.SigDirect] != 6 || kinds[tka.SigRotation] != 1 {
		t.Errorf("signature kinds %v, want 6 direct and 1 rotation (delta's wrapped key)", kinds)
	}
	if locked, err := st.LockedOut(); err != nil || len(locked) != 0 {
		t.Errorf("locked out: %v %v", locked, err)
	}
}

// TestRealLockedOut: the status of a locked-out node, as text and as
// JSON, gives the same sign line, and alpha's status lists it.
func TestRealLockedOut(t *testing.T) {
	fromText, err := ParseSignInput(readReal(t, "gamma-locked-out-status.txt"))
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ParseSignInput(readReal(t, "gamma-locked-out-status.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fromText.NodeKey != fromJSON.NodeKey || fromText.TLPub != fromJSON.TLPub || fromJSON.TLPub == "" {
		t.Fatalf("text gives %+v, JSON %+v", fromText, fromJSON)
	}
	if fromText.StateID != 0 || fromJSON.StateID == 0 {
		t.Fatalf("state IDs: text %d (want 0), JSON %d", fromText.StateID, fromJSON.StateID)
	}
	// The locked-out node prints an empty signature of kind "invalid".
	st, _ := ParseJSON(readReal(t, "gamma-locked-out-status.json"))
	if st.NodeKeySigned || st.NodeKeySignature == nil || st.NodeKeySignature.SigKind != "invalid" {
		t.Fatalf("the locked-out node's own signature: %v %+v", st.NodeKeySigned, st.NodeKeySignature)
	}
	if _, err := st.SignedNodes(); err != nil {
		t.Fatalf("the locked-out node's status: %v", err)
	}
	alpha, err := ParseJSON(readReal(t, "alpha-two-locked-out-status.json"))
	if err != nil {
		t.Fatal(err)
	}
	locked, err := alpha.LockedOut()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range locked {
		names = append(names, p.DNSName)
		if p.NodeKeySignature != nil {
			t.Errorf("%s: a locked-out peer carries a signature", p.DNSName)
		}
	}
	if len(locked) != 2 || !strings.Contains(strings.Join(names, " "), "gamma.") || !strings.Contains(strings.Join(names, " "), "epsilon.") {
		t.Fatalf("alpha lists %v as locked out", names)
	}
	_, err = ParseText(string(readReal(t, "alpha-two-locked-out-status.txt")))
	if err == nil || !strings.Contains(err.Error(), "it lists 2 locked-out peer(s)") || !strings.Contains(err.Error(), fromText.NodeKey) {
		t.Fatalf("alpha's text status to sign --from-status: %v", err)
	}
}

// TestRealSignedAndDisabled: the text of signed nodes (direct, and
// rotation over a credential) and the JSON of a node before lock init
// are refused with the reason.
func TestRealSignedAndDisabled(t *testing.T) {
	for _, name := range []string{"gamma-signed-status.txt", "delta-wrapped-status.txt", "alpha-final-status.txt"} {
		_, err := ParseText(string(readReal(t, name)))
		if err == nil || !strings.Contains(err.Error(), "already signed") {
			t.Errorf("%s: %v, want already signed", name, err)
		}
	}
	if _, err := ParseJSON(readReal(t, "alpha-disabled-status.json")); err == nil || !strings.Contains(err.Error(), "not enabled") {
		t.Errorf("status before lock init: %v", err)
	}
	if _, err := ParseSignInput(readReal(t, "alpha-signed-status.json")); err == nil || !strings.Contains(err.Error(), "already signed") {
		t.Errorf("a signed node's JSON to sign --from-status: %v", err)
	}
}
