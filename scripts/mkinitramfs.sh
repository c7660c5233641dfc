#!/bin/bash
# Build the guest's initramfs: busybox, scripts/guest/init, and kernel
# modules (with their dependencies, in load order) for the 9p host root.
#
# usage: scripts/mkinitramfs.sh OUT.cpio.gz KVER|- [MODULE...]
#   KVER  release under /lib/modules to take MODULEs from; "-" when the
#         kernel has everything built in (the debug kernel)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $# -ge 2 ]] || die "usage: $0 OUT.cpio.gz KVER|- [MODULE...]"
out=$1
kver=$2
shift 2

busybox=/bin/busybox
[[ -x $busybox ]] && [[ $($busybox 2>&1 || true) == BusyBox* ]] ||
	die "busybox-static is missing (run scripts/deps.sh)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
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
	moddir=/lib/modules/$kver
	[[ -f $moddir/modules.dep ]] || die "no modules for $kver"
	for m in "$@"; do
		rel=$(grep -m1 -E "(^|/)$m\\.ko(\\.[a-z]+)?:" "$moddir/modules.dep" |
			cut -d: -f1) || die "module $m not found for $kver"
		resolve "$rel"
	done
fi
: >"$stage/lib/modules/load-order"
for rel in "${order[@]}"; do
	base=$(basename "$rel")
	cp "$moddir/$rel" "$stage/lib/modules/$base"
	echo "$base" >>"$stage/lib/modules/load-order"
done

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) |
	gzip -1 >"$out"
