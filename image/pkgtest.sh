#!/usr/bin/env bash
# The package test (make image-test): run by image/build.sh as an
# mmdebstrap hook on the fresh Debian root $1, before the appliance is
# customised. It installs the signet package there, checks what it
# installed, then upgrades, removes, purges and reinstalls it over a
# state directory holding a key, a chain and a journal, and checks that
# none of them changed. It leaves the root with DEB installed and an
# empty /var/lib/signet.
#
#   image/pkgtest.sh ROOT DEB UPGRADE_DEB REPO COMMIT
#
# COMMIT is the commit the packages were built from.
set -euo pipefail
root=$1 deb=$2 upgrade=$3 repo=$4 commit=$5
fail() {
	echo "pkgtest: FAILED: $*" >&2
	exit 1
}
ok() { echo "pkgtest: ok: $*"; }
in_root() { chroot "$root" "$@"; }
version_of() { dpkg-deb -f "$1" Version; }

mkdir -p "$root/tmp/signet-debs"
cp "$deb" "$root/tmp/signet-debs/signet.deb"
cp "$upgrade" "$root/tmp/signet-debs/signet-upgrade.deb"
v=$(version_of "$deb")
v2=$(version_of "$upgrade")
dpkg --compare-versions "$v2" gt "$v" || fail "the upgrade package $v2 is not newer than $v"

# Mode, owner and group of a path in the root, as "0700 signet signet".
stat_of() { in_root stat -c '%04a %U %G' "$1"; }
want_stat() {
	local got
	got=$(stat_of "$1") || fail "$1 is missing"
	[[ $got == "$2" ]] || fail "$1 is $got, want $2"
}

# 1. A first install.
in_root dpkg -i /tmp/signet-debs/signet.deb >/dev/null
[[ $(in_root dpkg-query -W -f '${Status}' signet) == "install ok installed" ]] || fail "signet is not installed"
pw=$(in_root getent passwd signet) || fail "no user signet"
IFS=: read -r _ _ uid _ _ home shell <<<"$pw"
((uid < 1000)) || fail "signet is uid $uid, not a system user"
[[ $home == /var/lib/signet && $shell == /usr/sbin/nologin ]] || fail "user signet: $pw"
in_root getent group signet >/dev/null || fail "no group signet"
want_stat /var/lib/signet "0700 signet signet"
want_stat /usr/bin/signet "0755 root root"
for f in /usr/lib/systemd/system/signet.service /usr/lib/udev/rules.d/61-signet.rules \
	/usr/lib/sysusers.d/signet.conf /usr/lib/tmpfiles.d/signet.conf \
	/usr/share/polkit-1/rules.d/50-signet-pcscd.rules /usr/share/man/man1/signet.1.gz \
	/usr/share/man/man1/signet-serve.1.gz /usr/share/bash-completion/completions/signet \
	/usr/share/zsh/vendor-completions/_signet /usr/share/fish/vendor_completions.d/signet.fish \
	/usr/share/doc/signet/copyright /usr/share/doc/signet/examples/signet-wireguard.conf; do
	want_stat "$f" "0644 root root"
done
cmp -s "$repo/udev/61-signet.rules" "$root/usr/lib/udev/rules.d/61-signet.rules" || fail "the installed udev rules differ from udev/61-signet.rules"
cmp -s "$repo/udev/signet.service" "$root/usr/lib/systemd/system/signet.service" || fail "the installed unit differs from udev/signet.service"
ok "installed $v: user signet (uid $uid), /var/lib/signet 0700 signet, unit, udev and polkit rules, man pages, completions"

score() { systemd-analyze security --offline=true --no-pager "$@" 2>&1 | sed -n 's/.*Overall exposure level for signet.service: \([0-9.]*\).*/\1/p'; }
want=$(score "$repo/udev/signet.service")
got=$(score --root="$root" signet.service)
[[ -n $want && $got == "$want" ]] || fail "the installed unit scores '$got' in systemd-analyze security, udev/signet.service '$want'"
ok "the installed unit scores $got in systemd-analyze security, as udev/signet.service"

[[ $(in_root signet version) == "signet $v" ]] || fail "signet version says '$(in_root signet version)', want 'signet $v'"
json=$(in_root signet version --json)
[[ $json == *"\"schema_version\":1,\"version\":\"$v\",\"commit\":\"$commit\""* ]] || fail "signet version --json: $json (want commit $commit)"
ok "signet version: $v; --json names commit $commit"

# 2. A box's state: a sealed key, a chain, a journal.
state=$root/var/lib/signet
mkdir -p "$state/chain"
head -c 512 /dev/urandom >"$state/key.tpm"
echo "tpm:sealed?handle=0x81000001" >"$state/key.uri"
head -c 4096 /dev/urandom >"$state/chain/0001.aum"
head -c 8192 /dev/urandom >"$state/journal.log"
in_root chown -R signet:signet /var/lib/signet
chmod 0600 "$state/key.tpm" "$state/journal.log"
snapshot() { (cd "$state" && find . -printf '%p %m %u %g %s\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
before=$(snapshot)
same() { [[ $(snapshot) == "$before" ]] || fail "$1 changed /var/lib/signet:"$'\n'"$(diff <(echo "$before") <(snapshot))"; }

# 3. Upgrade, remove, purge, reinstall: the state never changes.
in_root dpkg -i /tmp/signet-debs/signet-upgrade.deb >/dev/null
[[ $(in_root signet version) == "signet $v2" ]] || fail "after the upgrade signet version says '$(in_root signet version)'"
same "upgrading to $v2"
ok "upgraded to $v2: key, chain and journal unchanged"
in_root dpkg -r signet >/dev/null
[[ ! -e $root/usr/bin/signet ]] || fail "dpkg -r left /usr/bin/signet"
same "removing the package"
in_root dpkg --purge signet 2>"$root/tmp/purge.err" >/dev/null
grep -q "kept /var/lib/signet" "$root/tmp/purge.err" || fail "purge did not say it kept /var/lib/signet: $(cat "$root/tmp/purge.err")"
same "purging the package"
in_root getent passwd signet >/dev/null || fail "purge removed the user signet"
ok "removed and purged: key, chain and journal unchanged, user kept"
in_root dpkg -i /tmp/signet-debs/signet.deb >/dev/null
same "installing $v over the kept state"
want_stat /var/lib/signet "0700 signet signet"
ok "reinstalled $v over the kept state: unchanged"

rm -rf "${state:?}"/* "$root/tmp/signet-debs" "$root/tmp/purge.err"
