#!/usr/bin/env bash
# Puts promtool (from Debian's prometheus package) at bin/tools/promtool
# for TestAlertRules, without installing the Prometheus server: the
# package's init script would start a daemon on a machine without
# systemd. apt-get downloads the package; promtool is one static binary.
set -euo pipefail
out=bin/tools/promtool
[[ -x $out ]] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq prometheus 2>/dev/null) || {
	apt-get update -qq
	(cd "$tmp" && apt-get download -qq prometheus)
}
dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool
mkdir -p "$(dirname "$out")"
mv "$tmp/usr/bin/promtool" "$out"
echo "promtool: $("$out" --version 2>&1 | head -1) at $out"
