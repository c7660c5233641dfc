#!/bin/bash
# Build the module(s) against one kernel tree, out of the source tree.
#
# usage: scripts/build-module.sh KDIR OUTDIR
#
# Copies Kbuild and driver/ to OUTDIR/src, runs Kbuild there with W=1 and
# fails on any compiler warning in our files. The .ko files end up in
# OUTDIR. Two kernels (stock, debug) thus never share object files.
# MMAPDEMO_SRC=DIR builds the sources of another tree (planted-bug.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $# -eq 2 ]] || die "usage: $0 KDIR OUTDIR"
kdir=$1
out=$2
[[ -f $kdir/Makefile ]] || die "no kernel build tree at $kdir"

mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src
rm -rf "$src"
mkdir -p "$src"
(cd "${MMAPDEMO_SRC:-$MMAPDEMO_ROOT}" && cp --parents Kbuild $(find driver -name '*.[ch]') "$src/")

log=$out/build.log
if ! make -C "$kdir" M="$src" W=1 modules >"$log" 2>&1; then
	cat "$log" >&2
	die "module build failed against $kdir"
fi
if grep -E "(warning|error):" "$log" >&2; then
	die "module build against $kdir has warnings (see above)"
fi
cp "$src"/*.ko "$out/"
ls "$out"/*.ko
