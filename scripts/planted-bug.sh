#!/bin/bash
# Prove that the debug stage catches bugs: build the module with a
# deliberate use-after-free, run it on the debug kernel and require a
# KASAN report in the console. The bug is planted into a copy of the
# source under build/planted-WHICH/, never into the tree or a normal build.
#
# usage: scripts/planted-bug.sh [uaf|oob] [debug|debug-6.1]
# debug (default): the newest debug kernel (scripts/lib.sh debug_env, or
# the one DK_DIR, DK_ROOTFS and DK_USER name: make check's debug stages
# pass theirs); debug-6.1: the one built from the host's
# linux-source-6.1, with the host's root.
# Exit 0 when the debug kernel caught the planted bug, 1 otherwise.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/root.sh
. "$(dirname "$0")/root.sh"
require_root "make planted-bug"
cd "$MMAPDEMO_ROOT"

kind=${1:-uaf}
which=${2:-debug}
B=$MMAPDEMO_ROOT/build/planted-$which
case $which in
debug) ;;
debug-6.1)
	if [[ -z ${DK_DIR:-} ]]; then
		DK_DIR=$(scripts/debug-kernel.sh build) DK_ROOTFS=/ DK_USER=user
		make -s -C user O="$MMAPDEMO_ROOT/build/user" lib cli >/dev/null
	fi
	;;
*) die "usage: $0 [uaf|oob] [debug|debug-6.1]" ;;
esac
debug_env debug || die "planted-bug: no debug kernel"
rm -rf "$B"
mkdir -p "$B/tree"
cp --parents Kbuild $(find driver -name '*.[ch]') "$B/tree/"

case $kind in
uaf)
	# Touch the buffer descriptor after freeing it, on every unload
	# (the last kfree(buf) in buffer.c is the one in the release).
	anchor=$'\tkfree(buf);'
	plant=$'\tbuf->nr_chunks = 0;\t/* PLANTED: use after free */'
	want='KASAN: (slab-)?use-after-free'
	;;
oob)
	# Read one entry past the end of the page array at allocation.
	anchor=$'\tbuf->vaddr = vmap(buf->pages, buf->nr_pages, VM_MAP, PAGE_KERNEL);'
	plant=$'\tWRITE_ONCE(buf->nr_chunks, buf->nr_chunks + !!READ_ONCE(buf->pages[buf->nr_pages]));\t/* PLANTED */'
	want='KASAN: (slab|vmalloc)-out-of-bounds'
	;;
*)
	die "usage: $0 [uaf|oob]"
	;;
esac
f=$B/tree/driver/buffer.c
ln=$(grep -nxF "$anchor" "$f" | tail -n1 | cut -d: -f1)
[[ -n $ln ]] || die "planted-bug: anchor for $kind not found in buffer.c"
{ head -n "$ln" "$f"; printf '%s\n' "$plant"; tail -n "+$((ln + 1))" "$f"; } >"$f.new"
mv "$f.new" "$f"
grep -q PLANTED "$f" || die "planted-bug: could not plant $kind"

# Build the planted copy exactly as the real one is built.
debug_module "$B" "$B/tree" >/dev/null
rc=0
boot_guest - "$DK_ROOTFS" "$DK_DIR/bzImage" planted planted "$B/results" 900 \
	"$(cat "$DK_DIR/cmdline") md_build=planted-$which md_user=$DK_USER" || rc=$?
if grep -qaE "$want" "$B/results/console.log"; then
	echo "planted-bug: the debug kernel caught the planted $kind:"
	grep -aE "$want" "$B/results/console.log" | head -n 3 | sed 's/^/  /'
	exit 0
fi
echo "planted-bug: the planted $kind went UNNOTICED (guest exit $rc)" >&2
tail -n 40 "$B/results/console.log" >&2
exit 1
