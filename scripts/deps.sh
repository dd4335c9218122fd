#!/usr/bin/env bash
# Installs the Debian packages that signet's tests need.
#
# Idempotent: when every package is already installed it changes nothing and
# needs no root. Otherwise it runs "apt-get update" once and installs the
# missing packages (as root, or through sudo when that is available).
#
# To add a package, add one line to the packages array below.
set -euo pipefail

packages=(
	gcc             # cgo: -race, pcsclite bindings
	pkg-config      # finds libpcsclite for cgo
	libssl-dev      # swtpm and TPM tooling headers
	swtpm           # software TPM 2.0 for hsm/tpm tests
	swtpm-tools     # swtpm_setup: manufactures swtpm state
	tpm2-tools      # tpm2_* commands to inspect and drive the TPM in tests
	pcscd           # PC/SC daemon for hsm/piv tests
	libpcsclite-dev # piv-go links against libpcsclite
	vsmartcard-vpcd # virtual smart card reader driver for pcscd
	tmux            # a real TTY for console prompt tests
	systemd         # systemd-analyze scores udev/signet.service (issue 7)
	udev            # udevadm checks udev/61-signet.rules (issue 7)
	zbar-tools      # zbarimg decodes internal/qr's codes in its tests
)

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	if [[ $status != "install ok installed" ]]; then
		missing+=("$pkg")
	fi
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#packages[@]} packages are installed"
	exit 0
fi

echo "deps: installing ${missing[*]}"
if ! command -v apt-get >/dev/null; then
	echo "deps: error: no apt-get on this machine; install these packages by hand: ${missing[*]}" >&2
	exit 1
fi
sudo=()
if ((EUID != 0)); then
	if ! command -v sudo >/dev/null; then
		echo "deps: error: installing packages needs root; run 'make deps' as root" >&2
		exit 1
	fi
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
