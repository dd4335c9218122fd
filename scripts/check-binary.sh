#!/usr/bin/env bash
# Fails when the built binary carries test-only code: tailscale.com (allowed
# only in _test files, for conformance tests) or the go-tpm-tools simulator
# (only behind a test build tag).
set -euo pipefail

bin=${1:?usage: check-binary.sh BINARY}
fail=0

if go version -m "$bin" | awk '$1 == "dep" || $1 == "=>" { print $2 }' | grep -qx 'tailscale.com'; then
	echo "check-binary: $bin links module tailscale.com; use it only in _test.go files" >&2
	fail=1
fi
# The simulator lives inside the go-tpm-tools module, which the binary may
# use legitimately, so look for its packages in the symbol table.
if go tool nm "$bin" | grep -q 'github.com/google/go-tpm-tools/simulator'; then
	echo "check-binary: $bin links the go-tpm-tools simulator; keep it behind its test build tag" >&2
	fail=1
fi
((fail == 0)) || exit 1
echo "check-binary: $bin has no tailscale.com and no TPM simulator"
