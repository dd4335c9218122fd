#!/usr/bin/env bash
# make image: build the signet appliance as a raw ext4 disk plus the
# kernel and initrd that qemu boots directly (no bootloader).
#
#   image/build.sh OUTDIR
#
# Needs root (or fakeroot-free unshare) for mmdebstrap, and no loop
# device: mkfs.ext4 -d copies the tree into the disk file. The root file
# system is mounted read-only; the key, chain and journal live on a second
# disk (state.raw) mounted at /var/lib/signet.
set -euo pipefail

out=${1:?usage: image/build.sh OUTDIR}
suite=${SIGNET_IMAGE_SUITE:-bookworm}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
root="$out/root"

if ((EUID != 0)); then
	echo "image: error: mmdebstrap and the disk images need root; run this as root" >&2
	exit 1
fi
if ! command -v go >/dev/null; then
	echo "image: error: no go in PATH; the image carries a signet built here" >&2
	exit 1
fi

# The image tools are not in scripts/deps.sh: "make test" does not need
# them. python3 runs image/boot.py; qemu boots the kernel directly with
# SeaBIOS (a dependency of qemu-system-x86), so no OVMF.
need=()
for pkg in mmdebstrap qemu-system-x86 swtpm e2fsprogs python3; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ((${#need[@]})); then
	echo "image: installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

step() { printf 'image: %-28s %s\n' "$1" "$2"; }
t0=$(date +%s)

# The binary is built on the host; the image runs the same Debian release,
# so its glibc and libpcsclite match.
# GOEXPERIMENT=runtimesecret as in "make build" (hsm.Erasing).
(cd "$repo" && GOEXPERIMENT=runtimesecret go build -trimpath -buildmode=pie -o "$out/signet" ./cmd/signet)

rm -rf "$root"
packages=(
	systemd systemd-sysv udev dbus           # init, devices
	linux-image-amd64 initramfs-tools        # kernel + initrd booted by qemu
	pcscd libpcsclite1                       # the YubiKey path
	tpm2-tools                               # image-test: extends PCR 7 at boot when asked
)
mmdebstrap --variant=minbase --include="$(
	IFS=,
	echo "${packages[*]}"
)" \
	--customize-hook='mkdir -p "$1/usr/lib/sysusers.d" "$1/etc/udev/rules.d" "$1/etc/polkit-1/rules.d" "$1/var/lib/signet"' \
	--customize-hook="copy-in $out/signet /usr/bin" \
	--customize-hook="copy-in $here/signet.service $here/signet-wireguard.conf /usr/lib/systemd/system" \
	--customize-hook="copy-in $repo/udev/61-signet.rules /etc/udev/rules.d" \
	--customize-hook="copy-in $repo/udev/50-signet-pcscd.rules /etc/polkit-1/rules.d" \
	--customize-hook="$here/customize.sh \"\$1\" \"$repo\" \"${SIGNET_IMAGE_TEST:-}\"" \
	"$suite" "$root"
step "debootstrap" "$(($(date +%s) - t0)) s"

cp "$root"/boot/vmlinuz-* "$out/vmlinuz"
cp "$root"/boot/initrd.img-* "$out/initrd.img"
rm -f "$out/rootfs.raw" "$out/state.raw"
mkfs.ext4 -q -L signet-root -d "$root" "$out/rootfs.raw" 2G
mkfs.ext4 -q -L signet-state "$out/state.raw" 64M
step "disk images" "$(($(date +%s) - t0)) s"
# The tree is in rootfs.raw now; left under bin/ it would be walked by
# gofmt and go vet and hold another copy of the system on disk.
rm -rf "$root"
ls -l "$out"/vmlinuz "$out"/initrd.img "$out"/rootfs.raw "$out"/state.raw
