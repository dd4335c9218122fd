package ceremony

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/signetbox/signet/tka"
)

// Limits of what the ceremony asks for.
const (
	maxPeople  = 32
	maxNameLen = 64
	maxKeys    = 511 // tka's 512 trusted keys, less the box's own
	maxRetries = 3   // typos in a row before the ceremony stops
)

// RunbookPeople is how many people docs/ceremony.md asks to be present.
const RunbookPeople = 2

// FewerWord is what someone types to go on with fewer people present than
// the runbook asks for.
const FewerWord = "fewer witnesses"

// askPeople reads the names of the people present, one per line, until an
// empty line. At least one name is needed; with fewer than RunbookPeople,
// going on needs FewerWord typed, and fewer reports that it was.
func askPeople(ctx context.Context, t Terminal) (names []string, fewer bool, err error) {
	printf(t, "Type the name of each person present, one per line; an empty line ends the list.\n"+
		"Each is a witness, named in the signed transcript; the runbook asks for at least %d.\n", RunbookPeople)
	for tries := 0; len(names) < maxPeople; {
		name, err := t.ReadLine(ctx, fmt.Sprintf("  Person %d: ", len(names)+1))
		if err != nil {
			return nil, false, err
		}
		if name == "" && len(names) >= RunbookPeople {
			break
		}
		if name == "" && len(names) > 0 {
			ok, err := confirmFewer(ctx, t, len(names))
			if ok || err != nil {
				return names, ok, err
			}
			continue
		}
		if err := checkNewName(name, names); err != nil {
			if tries++; tries == maxRetries {
				return nil, false, fmt.Errorf("person %d: %w", len(names)+1, err)
			}
			printf(t, "  %s; type it again.\n", err)
			continue
		}
		names, tries = append(names, name), 0
	}
	return names, false, nil
}

// confirmFewer asks whether to go on with only n people present: true
// when FewerWord was typed, false when an empty line asks for another name.
func confirmFewer(ctx context.Context, t Terminal, n int) (bool, error) {
	printf(t, "  Only %d present: the runbook asks for at least %d people, so that no one person alone\n"+
		"  sees the disablement secrets and vouches for the transcript.\n", n, RunbookPeople)
	for tries := 1; ; tries++ {
		line, err := t.ReadLine(ctx, fmt.Sprintf("  Type %q to go on with %d, or press Enter to name another person: ", FewerWord, n))
		switch {
		case err != nil:
			return false, err
		case line == FewerWord:
			return true, nil
		case line == "":
			return false, nil
		case tries == maxRetries:
			return false, fmt.Errorf("you did not type %q; nothing was changed", FewerWord)
		}
		printf(t, "  Type %q exactly, or press Enter.\n", FewerWord)
	}
}

// checkNewName checks a name and refuses one already typed.
func checkNewName(name string, have []string) error {
	if err := checkName(name); err != nil {
		return err
	}
	for i, h := range have {
		if strings.EqualFold(h, name) {
			return fmt.Errorf("that name was already typed as person %d", i+1)
		}
	}
	return nil
}

// checkName accepts a printable name of 1 to maxNameLen characters.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("at least one name is needed")
	case !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return errors.New("the name holds a control or non-printing character")
	case utf8.RuneCountInString(name) > maxNameLen:
		return fmt.Errorf("the name is longer than %d characters", maxNameLen)
	}
	return nil
}

// askKeys reads the other tailnet-lock keys to trust, one per line, until
// an empty line. A typo or a repeated key is re-asked.
func askKeys(ctx context.Context, t Terminal, box ed25519.PublicKey) ([]tka.Key, error) {
	printf(t, "Type each OTHER tailnet-lock key to trust, as tlpub:HEX (optionally ?VOTES), one\n"+
		"per line; an empty line ends the list. The online node that will run\n"+
		"'tailscale lock init' must be among them: 'tailscale lock' on it prints its key.\n")
	var keys []tka.Key
	for tries := 0; len(keys) < maxKeys; {
		text, err := t.ReadLine(ctx, fmt.Sprintf("  Key %d: ", len(keys)+1))
		if err != nil {
			return nil, err
		}
		if text == "" {
			break
		}
		k, err := checkKey(text, box, keys)
		if err != nil {
			if tries++; tries == maxRetries {
				return nil, fmt.Errorf("key %d: %w", len(keys)+1, err)
			}
			printf(t, "  %s; type it again.\n", err)
			continue
		}
		keys, tries = append(keys, k), 0
	}
	return keys, nil
}

// checkKey parses one typed key and refuses the box's key and repeats.
// box is nil when the box's key is not made yet.
func checkKey(text string, box ed25519.PublicKey, have []tka.Key) (tka.Key, error) {
	k, err := tka.ParseKeyArg(text)
	if err != nil {
		return k, err
	}
	if box != nil && bytes.Equal(k.Public, box) {
		return k, errors.New("that is the box's own key, which is trusted anyway")
	}
	for i, h := range have {
		if bytes.Equal(h.Public, k.Public) {
			return k, fmt.Errorf("that key was already typed as key %d", i+1)
		}
	}
	return k, nil
}

// FormatKeyArg prints a key as `tailscale lock init` takes it:
// tlpub:HEX, with ?VOTES when the key has other than one vote.
func FormatKeyArg(k tka.Key) string {
	s := tka.FormatTLPub(k.Public)
	if k.Votes != 1 {
		s += fmt.Sprintf("?%d", k.Votes)
	}
	return s
}
