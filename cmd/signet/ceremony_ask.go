package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/signetbox/signet/tka"
)

// Limits of what the ceremony asks for.
const (
	maxPeople      = 32
	maxNameLen     = 64
	maxCeremonyKey = 511 // tka's 512 trusted keys, less the box's own
	maxRetries     = 3   // typos in a row before the ceremony stops
)

// ask shows prompt and reads one line typed with echo on.
func (c *console) ask(ctx context.Context, prompt string) (string, error) {
	c.printf("%s", prompt)
	line, err := readLine(ctx, c.in)
	if err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(line)), nil
}

// askPeople reads the names of the people present, one per line, until an
// empty line. At least one name is needed.
func askPeople(ctx context.Context, con *console) ([]string, error) {
	con.printf("Type the name of each person present, one per line; an empty line ends the list.\n")
	var names []string
	for tries := 0; len(names) < maxPeople; {
		name, err := con.ask(ctx, fmt.Sprintf("  Person %d: ", len(names)+1))
		if err != nil {
			return nil, err
		}
		if name == "" && len(names) > 0 {
			break
		}
		if err := checkName(name); err != nil {
			if tries++; tries == maxRetries {
				return nil, fmt.Errorf("person %d: %w", len(names)+1, err)
			}
			con.printf("  %s; type it again.\n", err)
			continue
		}
		names, tries = append(names, name), 0
	}
	return names, nil
}

// checkName accepts a printable name of 1 to maxNameLen characters.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("at least one name is needed")
	case !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("the name holds a control or non-printing character")
	case utf8.RuneCountInString(name) > maxNameLen:
		return fmt.Errorf("the name is longer than %d characters", maxNameLen)
	}
	return nil
}

// askKeys reads the other tailnet-lock keys to trust, one per line, until
// an empty line. A typo or a repeated key is re-asked.
func askKeys(ctx context.Context, con *console, box ed25519.PublicKey) ([]tka.Key, error) {
	con.printf("Type each OTHER tailnet-lock key to trust, as tlpub:HEX (optionally ?VOTES), one\n" +
		"per line; an empty line ends the list. The online node that will run\n" +
		"'tailscale lock init' must be among them: 'tailscale lock' on it prints its key.\n")
	var keys []tka.Key
	for tries := 0; len(keys) < maxCeremonyKey; {
		text, err := con.ask(ctx, fmt.Sprintf("  Key %d: ", len(keys)+1))
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
			con.printf("  %s; type it again.\n", err)
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
		return k, fmt.Errorf("that is the box's own key, which is trusted anyway")
	}
	for i, h := range have {
		if bytes.Equal(h.Public, k.Public) {
			return k, fmt.Errorf("that key was already typed as key %d", i+1)
		}
	}
	return k, nil
}

// formatKeyArg prints a key as `tailscale lock init` takes it.
func formatKeyArg(k tka.Key) string {
	s := tka.FormatTLPub(k.Public)
	if k.Votes != 1 {
		s += fmt.Sprintf("?%d", k.Votes)
	}
	return s
}
