module github.com/signetbox/signet

go 1.26.6

require (
	filippo.io/edwards25519 v1.1.0 // indirect
	github.com/fxamacker/cbor/v2 v2.5.0 // indirect
	github.com/hdevalence/ed25519consensus v0.2.0 // indirect
	github.com/x448/float16 v0.8.4 // indirect
	go4.org/mem v0.0.0-20220726221520-4f986261bf13 // indirect
	golang.org/x/crypto v0.18.0 // indirect
	golang.org/x/sys v0.16.0 // indirect
	tailscale.com v1.60.1 // indirect
)
