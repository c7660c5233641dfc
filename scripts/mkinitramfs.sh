#!/bin/bash
# Build the guest's initramfs: busybox, scripts/guest/init, and kernel
# modules (with their dependencies, in load order) for the 9p host root.
#
# usage: scripts/mkinitramfs.sh [--root DIR] OUT.cpio.gz KVER|- [MODULE...]
#   DIR   the root file system whose /lib/modules to use (default: /)
#   KVER  release under /lib/modules to take MODULEs from; "-" when the
#         kernel has everything built in (the debug kernel). A MODULE the
#         kernel has built in is left out; compressed modules are
#         decompressed (busybox insmod takes plain ELF).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

modroot=
if [[ ${1:-} == --root ]]; then
	modroot=${2%/}
	shift 2
fi
[[ $# -ge 2 ]] || die "usage: $0 [--root DIR] OUT.cpio.gz KVER|- [MODULE...]"
out=$1
kver=$2
shift 2

# MMAPDEMO_BUSYBOX: a static busybox of the guest's architecture (the
# arm64 root's, which cannot run here) instead of the host's.
busybox=${MMAPDEMO_BUSYBOX:-/bin/busybox}
if [[ -n ${MMAPDEMO_BUSYBOX:-} ]]; then
	[[ -f $busybox ]] || die "no busybox at $busybox"
else
	[[ -x $busybox ]] && [[ $($busybox 2>&1 || true) == BusyBox* ]] ||
		die "busybox-static is missing (run scripts/deps.sh)"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# mktemp makes it 0700: the guest's non-root processes must get past it.
chmod 755 "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,host,run,lib/modules}
cp "$busybox" "$stage/bin/busybox"
cp "$MMAPDEMO_ROOT/scripts/guest/init" "$stage/init"
chmod 755 "$stage/init"

# Resolve dependencies from modules.dep, depth first, so every module
# comes after what it needs.
declare -A seen=()
order=()
resolve() {
	local rel=$1 dep line
	[[ -n ${seen[$rel]:-} ]] && return
	seen[$rel]=1
	line=$(grep -m1 "^$rel:" "$moddir/modules.dep") ||
		die "$rel not in $moddir/modules.dep"
	for dep in ${line#*:}; do
		resolve "$dep"
	done
	order+=("$rel")
}

if [[ $kver != - ]]; then
	moddir=$modroot/lib/modules/$kver
	[[ -f $moddir/modules.dep ]] || die "no modules for $kver in ${modroot:-/}"
	for m in "$@"; do
		if rel=$(grep -m1 -E "(^|/)$m\\.ko(\\.[a-z]+)?:" "$moddir/modules.dep"); then
			resolve "${rel%%:*}"
		elif grep -qE "(^|/)$m\\.ko\$" "$moddir/modules.builtin"; then
			continue
		else
			die "module $m not found for $kver"
		fi
	done
fi
: >"$stage/lib/modules/load-order"
for rel in "${order[@]}"; do
	base=$(basename "$rel")
	case $base in
	*.ko.xz) base=${base%.xz}; xz -dc "$moddir/$rel" >"$stage/lib/modules/$base" ;;
	*.ko.zst) base=${base%.zst}; zstd -qdc "$moddir/$rel" >"$stage/lib/modules/$base" ;;
	*.ko.gz) base=${base%.gz}; gzip -dc "$moddir/$rel" >"$stage/lib/modules/$base" ;;
	*) cp "$moddir/$rel" "$stage/lib/modules/$base" ;;
	esac
	echo "$base" >>"$stage/lib/modules/load-order"
done

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) |
	gzip -1 >"$out"
