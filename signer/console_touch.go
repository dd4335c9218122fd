package signer

// Touch shows a hardware key's request for a touch ("touch YubiKey N now
// to sign") on the console's notice line. hsm/piv calls it through its
// TouchNotifier interface when the console is the key's PIN prompt.
func (c *Console) Touch(msg string) { c.Notify(msg) }
