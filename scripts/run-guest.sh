#!/bin/bash
# Boot a kernel in QEMU (TCG) with the guest initramfs and run one action
# of scripts/guest/run.sh inside it.
#
# usage: scripts/run-guest.sh --kernel BZIMAGE --initrd CPIO --flavor NAME
#            --action ACTION --out DIR [--timeout SECONDS] [--append ARGS]
#            [--root DIR] [--arch x86_64|arm64]
#
# DIR of --root is the guest's root file system, exported read-only over
# 9p (default: the host's /; the kernel matrix passes a release's tree).
# --arch arm64 boots QEMU's virt board with -cpu max,pauth-impdef=on
# (plain max emulates pointer authentication about 2x slower under TCG;
# a named core such as Cortex-A57 lacks 16 KiB pages), the PL011 console
# and virtio-mmio 9p devices (scripts/arm64.sh, make check's arm64-*).
# DIR receives console.log (the whole serial console) and whatever the
# guest writes to its results directory. Exit status: the guest's own
# (from its "mmapdemo-init: exit N" line); 124 when QEMU timed out;
# 125 when the guest died before reporting (panic, oops=panic, ...);
# 126 when it did not start its init within MMAPDEMO_BOOT_TIMEOUT
# seconds (default 300).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

kernel= initrd= flavor= action= out= timeout=600 append= root=/ arch=x86_64
while [[ $# -gt 0 ]]; do
	case $1 in
	--kernel) kernel=$2 ;;
	--initrd) initrd=$2 ;;
	--flavor) flavor=$2 ;;
	--action) action=$2 ;;
	--out) out=$2 ;;
	--timeout) timeout=$2 ;;
	--append) append=$2 ;;
	--root) root=$2 ;;
	--arch) arch=$2 ;;
	*) die "run-guest: unknown argument $1" ;;
	esac
	shift 2
done
[[ -f $kernel && -f $initrd && -n $flavor && -n $action && -n $out ]] ||
	die "run-guest: need --kernel, --initrd, --flavor, --action, --out"

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/console.log

case $arch in
x86_64)
	qemu=(qemu-system-x86_64 -cpu "${MMAPDEMO_GUEST_CPU:-max}")
	[[ -f /usr/share/qemu/qboot.rom ]] && qemu+=(-bios /usr/share/qemu/qboot.rom)
	console=ttyS0 p9dev=virtio-9p-pci
	;;
arm64)
	qemu=(qemu-system-aarch64 -M virt -cpu "${MMAPDEMO_GUEST_CPU:-max,pauth-impdef=on}")
	console=ttyAMA0 p9dev=virtio-9p-device
	;;
*) die "run-guest: unknown --arch $arch (x86_64 or arm64)" ;;
esac

share() {
	local tag=$1 path=$2 ro=$3
	echo "-fsdev local,id=$tag,path=$path,security_model=none$ro"
	echo "-device $p9dev,fsdev=$tag,mount_tag=$tag"
}

# MMAPDEMO_QEMU_ARGS: more QEMU arguments, split at spaces (the counting
# plugin, scripts/icount/lib.sh).
# shellcheck disable=SC2046,SC2086
set +e
timeout --kill-after=10 "$timeout" "${qemu[@]}" \
	-accel "tcg${MMAPDEMO_TCG_OPTS:+,$MMAPDEMO_TCG_OPTS}" -m "${MMAPDEMO_GUEST_MEM:-2G}" \
	-smp "${MMAPDEMO_GUEST_SMP:-2}" \
	-display none -monitor none -serial stdio -no-reboot \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=$console printk.time=1 panic=-1 oops=panic loglevel=6 md_action=$action md_flavor=$flavor $append" \
	$(share hostroot "$root" ",readonly=on") \
	$(share repo "$MMAPDEMO_ROOT" ",readonly=on") \
	$(share out "$out" "") ${MMAPDEMO_QEMU_ARGS:-} \
	</dev/null >"$log" 2>&1 &
qpid=$!
# A guest that has not started its init (run.sh's first line, "guest: ")
# within MMAPDEMO_BOOT_TIMEOUT seconds hung while booting. Seen under
# TCG on a busy host: a 7.3 guest with two vCPUs that spun at 1.2 s of
# its own clock for 12 minutes, and the 6.1 debug kernel with one vCPU,
# silent after "tsc: Unable to calibrate against PIT" at 0.03 s (booted
# again, it passed). Stop it rather than wait for the whole timeout;
# boot_guest boots it once more and says so.
boot_timeout=${MMAPDEMO_BOOT_TIMEOUT:-300}
for ((i = 0; i < boot_timeout; i++)); do
	grep -qa '^guest: ' "$log" 2>/dev/null && break
	kill -0 "$qpid" 2>/dev/null || break
	sleep 1
done
if ((i == boot_timeout)) && kill -0 "$qpid" 2>/dev/null; then
	kill "$qpid"
	wait "$qpid"
	echo "run-guest: $flavor guest did not start its init within ${boot_timeout}s; console:" >&2
	tail -n 20 "$log" >&2
	exit 126
fi
wait "$qpid"
qrc=$?
set -e

if [[ $qrc -eq 124 || $qrc -eq 137 ]]; then
	echo "run-guest: $flavor guest timed out after ${timeout}s; console:" >&2
	tail -n 60 "$log" >&2
	exit 124
fi
grc=$(sed -n 's/.*mmapdemo-init: exit \([0-9]*\).*/\1/p' "$log" | tail -1)
if [[ -z $grc ]]; then
	echo "run-guest: $flavor guest died before reporting (qemu $qrc); console:" >&2
	tail -n 60 "$log" >&2
	exit 125
fi
exit "$grc"
