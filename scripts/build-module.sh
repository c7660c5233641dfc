#!/bin/bash
# Build the module(s) against one kernel tree, out of the source tree.
#
# usage: scripts/build-module.sh [--strict] KDIR OUTDIR
#
# Copies Kbuild and driver/ to OUTDIR/src and runs Kbuild there; the .ko
# files end up in OUTDIR, so two kernels never share object files.
# --strict (make check, make lint): W=1, and any compiler warning in our
# files fails the build. A user's build never fails on a warning.
# MMAPDEMO_SRC=DIR builds the sources of another tree (planted-bug.sh).
# MMAPDEMO_KMAKE_ARGS: more words for make (a cross-build: ARCH=arm64
# CROSS_COMPILE=aarch64-linux-gnu-; scripts/arm64-check.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

strict=
if [[ ${1:-} == --strict ]]; then
	strict=1
	shift
fi
[[ $# -eq 2 ]] || die "usage: $0 [--strict] KDIR OUTDIR"
kdir=$1
out=$2
[[ -f $kdir/Makefile ]] || die "$(no_kdir_message "$kdir")"

mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src
rm -rf "$src"
mkdir -p "$src"
(cd "${MMAPDEMO_SRC:-$MMAPDEMO_ROOT}" && cp --parents Kbuild $(find driver -name '*.[ch]') "$src/")

log=$out/build.log
# shellcheck disable=SC2086
if ! make -C "$kdir" M="$src" ${strict:+W=1} ${MMAPDEMO_KMAKE_ARGS:-} modules >"$log" 2>&1; then
	cat "$log" >&2
	die "module build failed against $kdir"
fi
if [[ -n $strict ]] && grep -E "(warning|error):" "$log" >&2; then
	die "module build against $kdir has warnings (see above)"
fi
[[ -n $strict ]] || grep -E "warning:" "$log" >&2 || true
cp "$src"/*.ko "$out/"
ls "$out"/*.ko
