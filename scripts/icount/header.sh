#!/bin/bash
# scripts/icount/header.sh: print the directory that holds qemu-plugin.h
# for the installed QEMU (Debian ships QEMU built with plugin support but
# not the header). The header comes from Debian's own qemu source package
# of the installed version, fetched with apt-get source through a private
# apt configuration (the host's apt set-up is never changed), and is
# cached in $(cache_root)/qemu-plugin-<version>/. On failure: one line on
# stderr saying why, exit 1.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../lib.sh"

fail() {
	echo "icount: cannot get qemu-plugin.h for QEMU ${ver:-?}: $*" >&2
	exit 1
}

ver=$(dpkg-query -W -f='${source:Version}' qemu-system-x86 2>/dev/null) ||
	fail "qemu-system-x86 is not installed"
dir=$(cache_root)/qemu-plugin-${ver//:/_}
if [[ -f $dir/.complete ]]; then
	echo "$dir"
	exit 0
fi
command -v dpkg-source >/dev/null || fail "dpkg-source is missing (apt-get install dpkg-dev)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{lists/partial,sources.list.d,cache/archives/partial,src}
# deb-src lines for the suites the host's apt uses, and nothing else.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
cat >"$work/sources.list" <<SRC
deb-src http://deb.debian.org/debian $codename main
deb-src http://deb.debian.org/debian $codename-updates main
deb-src http://deb.debian.org/debian-security $codename-security main
SRC
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list"
	-o "Dir::Etc::SourceParts=$work/sources.list.d"
	-o "Dir::State::Lists=$work/lists"
	-o "Dir::Cache=$work/cache"
	-o "Acquire::Check-Valid-Until=false" -q)
apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 ||
	fail "apt-get update of the deb-src lists failed: $(grep -m1 -E '^(E|W):' "$work/apt.log")"
(cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only "qemu=$ver") \
	>>"$work/apt.log" 2>&1 ||
	fail "apt-get source qemu=$ver failed: $(grep -m1 '^E:' "$work/apt.log")"
orig=$(find "$work/src" -maxdepth 1 -name 'qemu_*.orig.tar.*' | head -n 1)
[[ -n $orig ]] || fail "no orig tarball in the qemu source package"
tar -xf "$orig" -C "$work/src" --wildcards '*/include/qemu/qemu-plugin.h' ||
	fail "no include/qemu/qemu-plugin.h in $(basename "$orig")"
hdr=$(find "$work/src" -path '*/include/qemu/qemu-plugin.h' | head -n 1)
# Debian may patch it: apply its patches to that file, if any touch it.
deb=$(find "$work/src" -maxdepth 1 -name 'qemu_*.debian.tar.*' | head -n 1)
if [[ -n $deb ]]; then
	mkdir -p "$work/deb"
	tar -xf "$deb" -C "$work/deb"
	if grep -lq 'include/qemu/qemu-plugin.h' "$work"/deb/debian/patches/* 2>/dev/null; then
		fail "Debian's patches change qemu-plugin.h; this script does not apply them"
	fi
fi
# The API version the header declares must be one the plugin supports.
api=$(sed -n 's/^#define QEMU_PLUGIN_VERSION \([0-9]*\).*/\1/p' "$hdr")
[[ $api == 1 ]] || fail "the header declares plugin API version '${api}', the plugin is written for 1"
mkdir -p "$dir"
cp "$hdr" "$dir/qemu-plugin.h"
echo "$ver" >"$dir/version"
touch "$dir/.complete"
echo "$dir"
