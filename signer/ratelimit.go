package signer

// Rate limits are kept per principal, not per process: every process of
// one uid shares the uid's allowance, and each WireGuard peer has its own.

import (
	"regexp"
	"time"
)

// maxRateKeys bounds the rate table. Keys are uids and WireGuard peers,
// so a real box has a handful; the bound only matters if something else
// grows it.
const maxRateKeys = 4096

// localLabel matches the label Peer.String gives a local process:
// "[NAME (]uid N[)] pid P[ [COMM]]". The name comes from the user
// database and the command name is reduced to plain characters
// (plainName), so the uid cannot be forged through either.
var localLabel = regexp.MustCompile(`^(?:[^ ()]+ \()?uid (-?[0-9]+)\)? pid -?[0-9]+(?: \[[A-Za-z0-9._?-]*\])?$`)

// rateKey is the principal a requester label is counted under: "uid N"
// for a local process, the label itself for anyone else (WireGuard peers
// are "wireguard:NAME").
func rateKey(requester string) string {
	if m := localLabel.FindStringSubmatch(requester); m != nil {
		return "uid " + m[1]
	}
	return requester
}

// recentOnly drops the times older than a minute before now.
func recentOnly(times []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(times) && now.Sub(times[i]) >= time.Minute {
		i++
	}
	return times[i:]
}

// pruneRates drops principals with nothing in the last minute. Called
// with s.mu held, when the table is full.
func (s *Service) pruneRates(now time.Time) {
	for k, times := range s.rates {
		if len(recentOnly(times, now)) == 0 {
			delete(s.rates, k)
		}
	}
}

// bucketWord names a rate bucket in an error: "delivered " for reports.
func bucketWord(bucket string) string {
	if bucket == "" {
		return ""
	}
	return bucket + " "
}
