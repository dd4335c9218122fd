package piv

import (
	"fmt"
	"sort"
	"strings"

	pivgo "github.com/go-piv/piv-go/v2/piv"
)

// card is an open, exclusive connection to one YubiKey.
type card struct {
	yk     *pivgo.YubiKey
	serial uint32
}

// openCard connects to the YubiKey with serial, or to the only one present
// when serial is 0, and checks that its firmware makes Ed25519 keys.
//
// NOTE: piv-go holds every card it opens exclusively until Close, so cards
// with other serials are closed at once.
func openCard(serial uint32) (*card, error) {
	readers, err := pivgo.Cards()
	if err != nil {
		return nil, fmt.Errorf("%w: cannot reach pcscd (%v); start pcscd and try again", ErrNoDevice, err)
	}
	var found *card
	var others []string
	for _, r := range readers {
		yk, err := pivgo.Open(r)
		if err != nil {
			continue // empty reader, or a card that is not a PIV card
		}
		s, err := yk.Serial()
		switch {
		case err != nil:
			yk.Close()
		case found == nil && (serial == 0 || s == serial):
			found = &card{yk: yk, serial: s}
		default:
			others = append(others, fmt.Sprint(s))
			yk.Close()
		}
	}
	sort.Strings(others)
	if found == nil {
		return nil, notFound(serial, others)
	}
	if serial == 0 && len(others) > 0 {
		found.yk.Close()
		return nil, fmt.Errorf("piv: several YubiKeys are inserted (%d, %s); name one by serial", found.serial, strings.Join(others, ", "))
	}
	if err := found.checkFirmware(); err != nil {
		found.yk.Close()
		return nil, err
	}
	return found, nil
}

func notFound(serial uint32, others []string) error {
	if serial == 0 {
		return fmt.Errorf("%w: insert a YubiKey and try again", ErrNoDevice)
	}
	if len(others) > 0 {
		return fmt.Errorf("%w: want serial %d, found %s; insert the YubiKey the key URI names", ErrWrongSerial, serial, strings.Join(others, ", "))
	}
	return fmt.Errorf("%w: YubiKey %d is not inserted; insert it and try again", ErrNoDevice, serial)
}

// checkFirmware refuses cards older than 5.7, the first YubiKey firmware
// with Ed25519 (PIV algorithm 0xE0).
func (c *card) checkFirmware() error {
	v := c.yk.Version()
	if v.Major > 5 || (v.Major == 5 && v.Minor >= 7) {
		return nil
	}
	return fmt.Errorf("%w: YubiKey %d runs firmware %d.%d.%d and Ed25519 needs 5.7 or newer; use a newer YubiKey or the TPM backend", ErrFirmware, c.serial, v.Major, v.Minor, v.Patch)
}

func (c *card) firmware() string {
	v := c.yk.Version()
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

func (c *card) close() {
	if c != nil && c.yk != nil {
		c.yk.Close()
		c.yk = nil
	}
}

// pinState asks the card, without spending a try, whether the PIN is
// verified and how many tries are left.
func (c *card) pinState() (verified bool, left int, err error) {
	n, err := c.yk.Retries()
	if err == nil {
		return false, n, nil
	}
	// piv-go's Retries fails without a status word when the card answers
	// 9000: the PIN is already verified in this session.
	if _, ok := cardStatus(err); !ok && strings.Contains(err.Error(), "expected error code") {
		return true, 0, nil
	}
	return false, 0, err
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
