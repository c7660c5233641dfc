#!/bin/bash
# make demo: build, boot Debian's stock kernel in QEMU, load the module
# and run user/examples/demo.c, which shows a user write seen by the
# kernel and a kernel write seen by user space, in both map modes.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$MMAPDEMO_ROOT"

KVER=$(stock_kver)
B=$MMAPDEMO_ROOT/build
echo "demo: building the module against $KVER and the user space" >&2
scripts/build-module.sh "/lib/modules/$KVER/build" "$B/stock" >/dev/null
# The guest loads the module through the mmapdemo tool (libkmod).
make -s -C user O="$B/user" lib cli >/dev/null
make -s -C user/examples O="$B/user" >/dev/null
scripts/mkinitramfs.sh "$B/stock/initramfs.cpio.gz" "$KVER" \
	virtio_pci 9pnet_virtio 9p
echo "demo: booting $KVER in QEMU (TCG); this takes a few seconds" >&2
rc=0
scripts/run-guest.sh --kernel "/boot/vmlinuz-$KVER" \
	--initrd "$B/stock/initramfs.cpio.gz" --flavor stock --action demo \
	--out "$B/results/demo" --timeout 300 || rc=$?
# The transcript: what the guest printed, without the kernel's boot log.
sed -n '/^guest: /,$p' "$B/results/demo/console.log" | tr -d '\r' |
	grep -vE '^\[ *[0-9]+\.[0-9]+\] (reboot|ACPI)'
if [[ $rc -ne 0 ]]; then
	echo "demo: FAILED (guest exit $rc); full console: $B/results/demo/console.log" >&2
	exit 1
fi
