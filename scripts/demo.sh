#!/bin/bash
# make demo: build, boot Debian's stock kernel in QEMU, load the module
# and run user/examples/demo.c, which shows a user write seen by the
# kernel and a kernel write seen by user space, in both map modes.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/root.sh
. "$(dirname "$0")/root.sh"
require_root "make demo"
cd "$MMAPDEMO_ROOT"

KVER=$(stock_kver)
OUT=$MMAPDEMO_ROOT/build/results/demo
echo "demo: building the module against $KVER and the user space" >&2
# The guest loads the module through the mmapdemo tool (libkmod).
stock_build
echo "demo: booting $KVER in QEMU (TCG); this takes a few seconds" >&2
rc=0
stock_guest demo "$OUT" 300 || rc=$?
# The transcript: what the guest printed, without the kernel's boot log.
sed -n '/^guest: /,$p' "$OUT/console.log" | tr -d '\r' |
	grep -vE '^\[ *[0-9]+\.[0-9]+\] (reboot|ACPI)'
if [[ $rc -ne 0 ]]; then
	echo "demo: FAILED (guest exit $rc); full console: $OUT/console.log" >&2
	exit 1
fi
if ! msg=$(splat_verdict "$OUT"); then
	echo "demo: FAILED: $msg" >&2
	exit 1
fi
