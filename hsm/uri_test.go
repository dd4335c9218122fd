package hsm

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseURI(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want URI
	}{
		{"tpm:/var/lib/signet/key.tpm", URI{Scheme: "tpm", Path: "/var/lib/signet/key.tpm", Device: "/dev/tpmrm0"}},
		{"tpm:/k?device=/dev/tpm0", URI{Scheme: "tpm", Path: "/k", Device: "/dev/tpm0"}},
		{"tpm:/k?device=tcp://127.0.0.1:2321", URI{Scheme: "tpm", Path: "/k", Device: "tcp://127.0.0.1:2321"}},
		{"tpm:/k?device=tcp://[::1]:2321", URI{Scheme: "tpm", Path: "/k", Device: "tcp://[::1]:2321"}},
		{"tpm:/k?device=unix:///run/swtpm.sock", URI{Scheme: "tpm", Path: "/k", Device: "unix:///run/swtpm.sock"}},
		{"piv:serial=12345678;slot=9c", URI{Scheme: "piv", Serial: 12345678, Slot: 0x9c}},
		{"piv:slot=82", URI{Scheme: "piv", Slot: 0x82}},
		{"piv:slot=9a;serial=1", URI{Scheme: "piv", Serial: 1, Slot: 0x9a}},
		{"soft:/tmp/key.soft", URI{Scheme: "soft", Path: "/tmp/key.soft"}},
		{"soft:key.soft", URI{Scheme: "soft", Path: "key.soft"}},
	} {
		got, err := ParseURI(tc.in)
		if err != nil {
			t.Errorf("ParseURI(%q): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ParseURI(%q) (-want, +got):\n%s", tc.in, d)
		}
		again, err := ParseURI(got.String())
		if err != nil || again != got {
			t.Errorf("ParseURI(%q).String() = %q does not round-trip: %+v, %v", tc.in, got.String(), again, err)
		}
	}
}

func TestParseURIErrors(t *testing.T) {
	for _, tc := range []struct{ in, wantErr string }{
		{"", `key URI "" has no scheme; start it with tpm:, piv: or soft:`},
		{"/var/lib/key", `key URI "/var/lib/key" has no scheme; start it with tpm:, piv: or soft:`},
		{"pkcs11:foo", `key URI scheme "pkcs11" is not one of tpm, piv, soft`},
		{"tpm:", `tpm key URI has an empty path; name the key file, e.g. tpm:/var/lib/signet/key.tpm`},
		{"tpm:key.tpm", `tpm key URI path "key.tpm" is not absolute; start it with /`},
		{"tpm:/a/../key", `tpm key URI path "/a/../key" is not clean; write it as "/key"`},
		{"tpm:/k?dev=/dev/tpm0", `tpm key URI has unknown parameter "dev"; the only one is device`},
		{"tpm:/k?device=", `tpm key URI device "" is not a device path (/dev/tpmrm0), tcp://host:port or unix:///path`},
		{"tpm:/k?device=tpmrm0", `tpm key URI device "tpmrm0" is not a device path (/dev/tpmrm0), tcp://host:port or unix:///path`},
		{"tpm:/k?device=tcp://127.0.0.1", `tpm key URI device "tcp://127.0.0.1" is not tcp://host:port`},
		{"tpm:/k?device=tcp://127.0.0.1:99999", `tpm key URI device "tcp://127.0.0.1:99999" has a bad port "99999"; want 1-65535`},
		{"tpm:/k?device=unix://sock", `tpm key URI device "unix://sock" is not unix:///absolute/path`},
		{"piv:serial=12345678", `piv key URI has no slot; add slot=9c (or 9a, 9d, 9e, 82-95)`},
		{"piv:serial=abc;slot=9c", `piv key URI serial "abc" is not a decimal serial number like 12345678`},
		{"piv:serial=0;slot=9c", `piv key URI serial "0" is not a decimal serial number like 12345678`},
		{"piv:slot=9b", `piv key URI slot "9b" is not a PIV key slot; use 9a, 9c, 9d, 9e or 82-95 (lowercase hex)`},
		{"piv:slot=9C", `piv key URI slot "9C" is not a PIV key slot; use 9a, 9c, 9d, 9e or 82-95 (lowercase hex)`},
		{"piv:slot=9c;slot=9a", `piv key URI part "slot=9a" is not key=value or is repeated; write piv:serial=12345678;slot=9c`},
		{"piv:slot=9c;pin=123456", `piv key URI has unknown part "pin"; the parts are serial and slot`},
		{"soft:", `soft key URI has an empty path; name the key file, e.g. soft:/var/lib/signet/key.soft`},
		{"soft:/k?x", `soft key URI path "/k?x" contains one of ? ; NUL`},
	} {
		_, err := ParseURI(tc.in)
		if err == nil || err.Error() != tc.wantErr {
			t.Errorf("ParseURI(%q) error\n got: %v\nwant: %s", tc.in, err, tc.wantErr)
		}
	}
}

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{"tpm:/k?device=tcp://127.0.0.1:2321", "piv:serial=1;slot=9c", "soft:/k", "tpm:/k?device=unix:///s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		again, err := ParseURI(u.String())
		if err != nil || again != u {
			t.Fatalf("%q parsed to %+v, whose String %q parses to %+v, %v", s, u, u.String(), again, err)
		}
	})
}

func TestWrongPINError(t *testing.T) {
	var err error = &WrongPINError{TriesLeft: 2}
	wrapped := errors.Join(errors.New("ctx"), err)
	if !errors.Is(wrapped, ErrWrongPIN) {
		t.Fatal("errors.Is(WrongPINError, ErrWrongPIN) = false")
	}
	var w *WrongPINError
	if !errors.As(wrapped, &w) || w.TriesLeft != 2 {
		t.Fatalf("errors.As = %v, %+v", w, w)
	}
	if got, want := err.Error(), "wrong PIN (2 tries left before lockout)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&WrongPINError{TriesLeft: 1}).Error(), "wrong PIN (1 try left before lockout)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
