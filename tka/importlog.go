package tka

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// logJSON is the output of `tailscale lock log --json` (schema version 1):
// each message carries the AUM's raw bytes, base64url-encoded.
type logJSON struct {
	SchemaVersion string
	Messages      []struct {
		Hash string
		Raw  string
	}
}

// legacyLogEntry is one element of the array older clients print.
type legacyLogEntry struct {
	Hash []byte
	Raw  []byte
}

// ParseLogJSON reads the output of `tailscale lock log --json` and returns
// its AUMs ordered parents first. Each AUM's stated hash must match its
// bytes. It checks no signature: pass the result to Bootstrap and Inform.
func ParseLogJSON(data []byte) ([]*AUM, error) {
	data = bytes.TrimSpace(data)
	var raws [][]byte
	var hashes []string
	switch {
	case len(data) > 0 && data[0] == '[':
		var entries []legacyLogEntry
		if err := json.Unmarshal(data, &entries); err != nil {
			return nil, fmt.Errorf("reading lock log JSON: %w", err)
		}
		for _, e := range entries {
			raws = append(raws, e.Raw)
			hashes = append(hashes, fmt.Sprintf("%x", e.Hash))
		}
	default:
		var doc logJSON
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("reading lock log JSON: %w", err)
		}
		if doc.SchemaVersion != "1" {
			return nil, fmt.Errorf("lock log JSON has schema version %q; this signet reads version 1", doc.SchemaVersion)
		}
		for i, m := range doc.Messages {
			raw, err := base64.URLEncoding.DecodeString(m.Raw)
			if err != nil {
				return nil, fmt.Errorf("message %d: Raw is not base64url: %w", i, err)
			}
			raws = append(raws, raw)
			hashes = append(hashes, m.Hash)
		}
	}
	return orderedAUMs(raws, hashes)
}

// ParseHexAUMs reads AUMs given as hex blobs, one per line (blank lines and
// lines starting with # are skipped), and returns them ordered parents
// first.
func ParseHexAUMs(text string) ([]*AUM, error) {
	var raws [][]byte
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, err := ParseHexAUM(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		raws = append(raws, u.Serialize())
	}
	return orderedAUMs(raws, nil)
}

// orderedAUMs decodes raws, checks each against its stated hash (if
// given), drops duplicates and orders them so that every parent comes
// before its children.
func orderedAUMs(raws [][]byte, hashes []string) ([]*AUM, error) {
	if len(raws) == 0 {
		return nil, errors.New("no AUMs found in the input")
	}
	byHash := make(map[AUMHash]*AUM, len(raws))
	var order []AUMHash
	for i, raw := range raws {
		u, err := DecodeAUM(raw)
		if err != nil {
			return nil, fmt.Errorf("AUM %d: %w", i, err)
		}
		if err := u.Validate(); err != nil {
			return nil, fmt.Errorf("AUM %d: invalid: %w", i, err)
		}
		h := u.Hash()
		if hashes != nil && !hashMatches(h, hashes[i]) {
			return nil, fmt.Errorf("AUM %d: its bytes hash to %v, not to the stated %s", i, h, short(hashes[i]))
		}
		if _, dup := byHash[h]; !dup {
			byHash[h] = u
			order = append(order, h)
		}
	}
	return topoSort(byHash, order), nil
}

func hashMatches(h AUMHash, stated string) bool {
	want, err := ParseAUMHash(stated)
	return err == nil && want == h
}

// topoSort orders AUMs parents first; among AUMs whose parents are outside
// the set, input order is kept.
func topoSort(byHash map[AUMHash]*AUM, order []AUMHash) []*AUM {
	children := make(map[AUMHash][]AUMHash)
	var roots []AUMHash
	for _, h := range order {
		p, ok := byHash[h].Parent()
		if _, inSet := byHash[p]; ok && inSet {
			children[p] = append(children[p], h)
		} else {
			roots = append(roots, h)
		}
	}
	out := make([]*AUM, 0, len(order))
	queue := roots
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		out = append(out, byHash[h])
		queue = append(queue, children[h]...)
	}
	return out
}
