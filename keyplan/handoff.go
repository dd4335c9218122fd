package keyplan

import (
	"fmt"
	"strings"
)

// HandoffStep is one step of moving the signing role to a new box.
type HandoffStep struct {
	Where   string // new box, old box or online node
	What    string
	Command string
}

// Handoff is the runbook that moves the signing role from the box
// holding oldKey to the one holding newKey (docs/rotation.md gives the
// reasons). Nothing in it is sent anywhere.
func Handoff(oldKey, newKey string) []HandoffStep {
	return []HandoffStep{
		{"new box", "make the key in hardware and note its tlpub", "signet key init --hsm tpm && signet key show"},
		{"online node", "export the chain", "tailscale lock log --json --limit 100000 > log.json"},
		{"new box", "import the chain", "signet chain import log.json"},
		{"old box", "add the new key (review on the old box's console)", "signet add " + newKey},
		{"online node", "submit the add-key AUM printed by the old box", "tailscale lock revoke-keys --finish HEX"},
		{"online node", "export the chain again, and the status", "tailscale lock log --json --limit 100000 > log.json && tailscale lock status --json > status.json"},
		{"new box", "import the chain and start the daemon", "signet chain import log.json && signet serve"},
		{"new box", "check the plan: every node the old key signed is re-signed", "signet rotate plan --status-json status.json --remove " + oldKey},
		{"new box", "re-sign and remove the old key (two reviews on the new box's console)", "signet rotate execute --status-json status.json --remove " + oldKey},
		{"online node", "deliver the re-signed signatures (docs/delivery.md), then submit the remove-key AUM", "tailscale lock revoke-keys --finish HEX"},
		{"online node", "check: the old key is gone, no node is locked out", "tailscale lock status"},
		{"old box", "retire the key (wipe the TPM key or PIV slot) and keep its journal", "signet journal verify && cp -a /var/lib/signet/journal.log ARCHIVE/"},
	}
}

// HandoffText lays out Handoff as numbered steps, each with its command
// on the next line: what "signet rotate handoff" prints, and the block in
// docs/rotation.md.
func HandoffText(oldKey, newKey string) string {
	var b strings.Builder
	for i, s := range Handoff(oldKey, newKey) {
		fmt.Fprintf(&b, "%2d. [%s] %s\n      $ %s\n", i+1, s.Where, s.What, s.Command)
	}
	return b.String()
}
