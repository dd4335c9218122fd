#!/usr/bin/env bash
# Writes interop/VERSION/go.mod and go.sum: the module the release matrix
# builds tailscale.com VERSION's oracle with (interop/oracle), pinning the
# dependency versions that release shipped with. For the release the main
# module pins, the same file also builds the real tailscaled and tailscale
# the e2e tests run (e2e/tailscaled_test.go).
#
#   bash scripts/interop-mod.sh v1.96.5
#   GOTOOLCHAIN=go1.27.3 bash scripts/interop-mod.sh v1.104.6
#
# "go mod tidy" cannot maintain these files (it would add every package
# of the main module); this script remakes them from nothing.
set -euo pipefail

version=${1:?usage: scripts/interop-mod.sh VERSION}
cd "$(dirname "$0")/.."
dir=interop/$version
mkdir -p "$dir"

# The go line: the main module's, or the release's if newer.
ours=$(go mod edit -json | sed -n 's/^\t"Go": "\(.*\)",$/\1/p')
theirs=$(go mod download -json "tailscale.com@$version" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p' | xargs sed -n 's/^go //p')
golang=$(printf '%s\n%s\n' "$ours" "$theirs" | sort -V | tail -1)

printf 'module github.com/signetbox/signet\n\ngo %s\n' "$golang" >"$dir/go.mod"
rm -f "$dir/go.sum"
pkgs=(tailscale.com/tka tailscale.com/types/key tailscale.com/types/tkatype)
if [[ $(go list -m -f '{{.Version}}' tailscale.com) == "$version" ]]; then
	pkgs+=(tailscale.com/cmd/tailscaled tailscale.com/cmd/tailscale)
fi
go get -modfile="$dir/go.mod" "${pkgs[@]/%/@$version}"
echo "interop-mod: wrote $dir/go.mod (go $golang)"
