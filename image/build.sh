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
#
# signet goes in as its Debian package (make deb), so the image test
# proves the package. With SIGNET_IMAGE_TEST set, image/pkgtest.sh first
# tests the package in the fresh root (install, upgrade, purge), lintian
# checks both packages, and a newer build of the package goes into the
# image for boot.py's upgrade of a running box.
#
# SIGNET_IMAGE_SUITE picks the Debian release (default trixie). It needs
# Linux 6.2 or later: signet serve refuses to start unless it can read
# dev.tty.legacy_tiocsti=0, and bookworm's 6.1 kernel has no such switch.
set -euo pipefail

out=${1:?usage: image/build.sh OUTDIR}
suite=${SIGNET_IMAGE_SUITE:-trixie}
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
	echo "image: error: no go in PATH; the image carries a signet package built here" >&2
	exit 1
fi
test=${SIGNET_IMAGE_TEST:-}

# The image tools are not in scripts/deps.sh: "make test" does not need
# them. python3 runs image/boot.py; qemu boots the kernel directly with
# SeaBIOS (a dependency of qemu-system-x86), so no OVMF.
need=()
for pkg in mmdebstrap qemu-system-x86 swtpm e2fsprogs python3 lintian; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ((${#need[@]})); then
	echo "image: installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

step() { printf 'image: %-28s %s\n' "$1" "$2"; }
t0=$(date +%s)

# The package is built on the host (bookworm or newer): its binary needs
# glibc 2.34 and libpcsclite.so.1, which the package depends on and the
# image's suite has (installing it there checks that). The test image also
# gets the same code as a newer version, to upgrade a running box to.
version=$(cd "$repo" && bash scripts/version.sh)
commit=$(git -C "$repo" rev-parse HEAD)
arch=$(go env GOARCH)
rm -rf "$out/debs"
mkdir -p "$out/debs"
if [[ -n $test ]]; then
	make -C "$repo" --no-print-directory deb VERSION="$version+upgrade1" >/dev/null
	cp "$repo/bin/deb/signet_${version}+upgrade1_$arch.deb" "$out/debs/signet-upgrade.deb"
fi
make -C "$repo" --no-print-directory deb VERSION="$version" >/dev/null
cp "$repo/bin/deb/signet_${version}_$arch.deb" "$out/debs/signet.deb"
step "packages" "$(($(date +%s) - t0)) s"
if [[ -n $test ]]; then
	bash "$repo/scripts/deb-lint.sh" "$repo"/bin/deb/*.deb
	step "lintian" "$(($(date +%s) - t0)) s"
	pkgtest=("--customize-hook=$here/pkgtest.sh \"\$1\" $out/debs/signet.deb $out/debs/signet-upgrade.deb $repo $commit")
else
	pkgtest=("--customize-hook=copy-in $out/debs/signet.deb /tmp" '--customize-hook=chroot "$1" dpkg -i /tmp/signet.deb' '--customize-hook=rm "$1/tmp/signet.deb"')
fi

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
	"${pkgtest[@]}" \
	--customize-hook="$here/customize.sh \"\$1\" \"$repo\" \"$test\" \"$out/debs\"" \
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
