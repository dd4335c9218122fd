#!/usr/bin/env bash
# make deb-lint: lintian on the packages; fails on any error or warning.
# Installs lintian when it is missing (root). Tags that are wrong for
# signet are overridden in the packages, each with its reason
# (packaging/*.lintian-overrides).
set -euo pipefail
(($#)) || {
	echo "usage: scripts/deb-lint.sh PACKAGE.deb..." >&2
	exit 2
}
if ! command -v lintian >/dev/null; then
	echo "deb-lint: installing lintian"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lintian >/dev/null
fi
# --fail-on warning: errors and warnings fail; info and pedantic tags are
# printed for the reader.
lintian --fail-on error,warning --display-info --info "$@"
echo "deb-lint: lintian passed on $*"
