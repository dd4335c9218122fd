package keysetup

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// TestPIV makes a key on a virtual YubiKey, shows the new management key
// once, and changes and unblocks the PIN with the PUK.
func TestPIV(t *testing.T) {
	const serial = 34567890
	roots := insertCard(t, serial)
	ctx := t.Context()
	o := defaults("piv")
	o.State, o.Serial, o.TouchPolicy, o.MgmtKey, o.Roots = t.TempDir(), serial, "never", "print", roots
	// The factory PIN and PUK, then the new PUK and PIN.
	con := newConsole("123456", "12345678", "86420975", "13572468")
	var log bytes.Buffer
	res, err := Init(ctx, &o, con.opener(), &log)
	if err != nil {
		t.Fatal(err)
	}
	ks := mustLoad(t, o.State, res)
	if res.URI.String() != "piv:serial=34567890;slot=9c" || !res.Attestation.Hardware || !strings.HasSuffix(res.Attestation.Summary, "attested") || log.Len() != 0 {
		t.Errorf("result %+v, log %q", res, log.String())
	}
	if mk := con.shown["PIV management key of YubiKey 34567890 (AES-192)"]; len(mk) != 24 {
		t.Errorf("management key shown: %d bytes", len(mk))
	}

	if err := ChangePIN(ctx, ks, newConsole("13572468", "24681357").opener(), &log); err != nil {
		t.Fatal(err)
	}
	if err := ResetLockout(ctx, ks, newConsole("86420975", "97531864").opener(), &log); err != nil {
		t.Fatal(err)
	}
	want := "signet: the PIN of YubiKey 34567890 is changed\nsignet: the PIN of YubiKey 34567890 is unblocked and set to the new PIN\n"
	if log.String() != want {
		t.Errorf("log %q, want %q", log.String(), want)
	}
	if err := ChangePIN(ctx, ks, newConsole("11111111", "24681357").opener(), &log); err == nil || !strings.Contains(err.Error(), "wrong PIN") {
		t.Errorf("a wrong current PIN: %v", err)
	}
	if err := ResetLockout(ctx, ks, newConsole("99999999", "24681357").opener(), &log); err == nil || !strings.Contains(err.Error(), "wrong PUK") {
		t.Errorf("a wrong PUK: %v", err)
	}

	// Without the test CA the new key's attestation does not verify: a
	// warning, and the failure is the summary. The card is provisioned
	// again with Replace.
	o.Roots, o.MgmtKey, o.Replace, o.State = "", "stored", true, t.TempDir()
	log.Reset()
	mk := hex.EncodeToString(con.shown["PIV management key of YubiKey 34567890 (AES-192)"])
	con = newConsole("97531864", mk, "86420975", "86420975", "13572468")
	res, err = Make(ctx, con, o.State, &o, &log)
	if err != nil {
		t.Fatalf("%v (asked %q)", err, con.asked)
	}
	if !strings.HasPrefix(log.String(), "signet: warning: the new key's attestation does not verify: ") || !strings.HasPrefix(res.Attestation.Summary, "attestation failed: ") {
		t.Errorf("log %q, summary %q", log.String(), res.Attestation.Summary)
	}
}
