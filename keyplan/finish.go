package keyplan

import "github.com/signetbox/signet/tka"

// Finish are the steps that complete a plan once this box's requests are
// signed, one line each, as cmd/signet prints them and docs/rotation.md
// and docs/revocation.md give them. revoke selects the wording of
// "signet revoke-device" (the holder of the added key runs the same
// command again) over that of "signet rotate execute".
func (p *Plan) Finish(revoke bool) []string {
	if p.Handoff {
		again := "signet rotate execute --status-json FILE --remove " + tka.FormatTLPub(p.Remove)
		if revoke {
			again = "the same signet revoke-device command with --confirm, --new-key naming that box's own key"
		}
		return []string{
			"submit the add-key AUM on an online node: tailscale lock revoke-keys --finish HEX",
			"then, on the box holding the added key: import the chain (signet chain import) and run " + again,
		}
	}
	var out []string
	if p.Add != nil {
		out = append(out, "submit the add-key AUM on an online node: tailscale lock revoke-keys --finish HEX")
	}
	if len(p.Resign) > 0 {
		out = append(out, "deliver the re-signed signatures (docs/delivery.md) before the removal")
	}
	return append(out, "submit the remove-key AUM last: tailscale lock revoke-keys --finish HEX")
}
