// Package request builds the requests of signet's client verbs from what
// a person typed or piped in: 'signet sign' ([SignNode]: a node key, a
// sign-device deeplink or the output of 'tailscale lock status', with
// claims) and 'signet wrap-authkey' ([WrapAuthKey]). A malformed request
// is refused before anything is sent: every mistake is a usage error
// (exit status 2) with a hint, and input that holds a Tailscale secret
// where the daemon would show or journal it is refused with
// api.ErrSecretOutsideAuthKey, without repeating it.
//
// The add and remove requests are keyplan's (keyplan.KeyChangeRequest).
package request
