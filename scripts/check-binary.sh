#!/usr/bin/env bash
# Fails when a built binary carries test-only code: tailscale.com (allowed
# only in _test files, for conformance tests), the go-tpm-tools simulator
# (only behind a test build tag) or the test support packages; or the
# relay's Prometheus client, which belongs to signet-relay alone; or was
# built without the runtime/secret experiment.
#
# Two sources: the module list from "go version -m" (names tailscale.com
# even if the linker kept little of it) and the symbol table (also works on
# binaries without a module list, such as test binaries).
set -euo pipefail

bin=${1:?usage: check-binary.sh BINARY}
modules=$(go version -m "$bin" | awk '$1 == "dep" || $1 == "=>" { print $2 }')
symbols=$(go tool nm "$bin")
fail=0

if grep -qx 'tailscale.com' <<<"$modules" || grep -q 'tailscale\.com/' <<<"$symbols"; then
	echo "check-binary: $bin links tailscale.com; use it only in _test.go files" >&2
	fail=1
fi
# The simulator is a package inside the go-tpm-tools module, which the
# binary may use legitimately, so only the symbol table can tell: its Go
# package, or the C platform layer of the reference TPM it links (_plat__*),
# which stays even when the Go side is mostly dead code.
if grep -qE 'github\.com/google/go-tpm-tools/simulator|[[:space:]]_plat__' <<<"$symbols"; then
	echo "check-binary: $bin links the go-tpm-tools simulator; keep it behind its test build tag" >&2
	fail=1
fi
if grep -qx 'github.com/prometheus/client_golang' <<<"$modules" || grep -q 'github\.com/prometheus/' <<<"$symbols"; then
	echo "check-binary: $bin links the Prometheus client; only signet-relay may" >&2
	fail=1
fi
# The packages tests share (the skip rule and builds, the state-dir rigs
# and the console operator, the console reader) are for _test.go files.
if grep -qE 'github\.com/signetbox/signet/internal/(testenv|testrig|consolescreen)\.' <<<"$symbols"; then
	echo "check-binary: $bin links test support (internal/testenv, testrig or consolescreen); import it only from _test.go files" >&2
	fail=1
fi
# The daemon erases library copies of PINs and keys only when built with
# the runtime/secret experiment (hsm.Erasing); "make build" sets it.
if ! go version -m "$bin" | grep -qE '^[[:space:]]*build[[:space:]]+GOEXPERIMENT=.*runtimesecret'; then
	echo "check-binary: $bin was built without GOEXPERIMENT=runtimesecret; build it with make build" >&2
	fail=1
fi
((fail == 0)) || exit 1
echo "check-binary: $bin has no tailscale.com, no TPM simulator, no test support and no Prometheus client, and erases secrets (runtimesecret)"
