#!/usr/bin/env bash
# Smoke-boot the cached debug kernel (scripts/debug-kernel.sh) in QEMU/TCG with a
# throwaway busybox initramfs, and check that the pieces the debug guest relies
# on are there: KUnit debugfs, the host root over virtio-9p, a python3 from it
# in a chroot, kmemleak, a clean poweroff, and no splat on the console.
#
# Usage: scripts/boot-debug-smoke.sh    (builds the kernel first if not cached)
# Exit status 0 only if every check passed.  Prints the boot-to-poweroff time.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUSYBOX=/bin/busybox # busybox-static

for p in busybox-static qemu-system-x86 cpio gzip; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		{ echo "missing package: $p (apt-get install $p)" >&2; exit 1; }
done

kdir=$("$here/debug-kernel.sh" build)
work=$(mktemp -d "${TMPDIR:-/tmp}/mmapdemo-smoke.XXXXXX")
# MMAPDEMO_SMOKE_KEEP=1 keeps the initramfs and console log even on success.
keep=${MMAPDEMO_SMOKE_KEEP:-0}
cleanup() { [[ $keep == 1 ]] || rm -rf "$work"; }
trap cleanup EXIT

root=$work/initramfs
mkdir -p "$root"/{bin,dev,proc,sys,host,tmp}
cp "$BUSYBOX" "$root/bin/busybox"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
t() { cut -d' ' -f1 /proc/uptime; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "SMOKE: uname-r $(uname -r) (init at $(t) s)"
mount -t debugfs debugfs /sys/kernel/debug
if [ -d /sys/kernel/debug/kunit ]; then echo "SMOKE: ok kunit-debugfs"; else echo "SMOKE: FAIL kunit-debugfs"; fi
if [ -e /proc/self/fail-nth ]; then echo "SMOKE: ok fail-nth"; else echo "SMOKE: FAIL fail-nth"; fi
if mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /host &&
   ls -l /host/usr/bin/python3; then
	echo "SMOKE: ok 9p-hostroot ($(t) s)"
else
	echo "SMOKE: FAIL 9p-hostroot"
fi
if out=$(chroot /host /usr/bin/python3 -c 'import os, socket; print("py", os.uname().release)') &&
   [ "$out" = "py $(uname -r)" ]; then
	echo "SMOKE: ok python3-chroot ($(t) s)"
else
	echo "SMOKE: FAIL python3-chroot ($out)"
fi
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo "SMOKE: ok kmemleak leaks=$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)"
else
	echo "SMOKE: FAIL kmemleak"
fi
echo "SMOKE: done ($(t) s)"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz"

bios=()
[[ -f /usr/share/qemu/qboot.rom ]] && bios=(-bios /usr/share/qemu/qboot.rom)
log=$work/console.log
echo "booting $kdir/bzImage (console: $log)" >&2
start=$(date +%s.%N)
rc=0
timeout 300 qemu-system-x86_64 -accel tcg -m 2G -smp 2 -nographic -no-reboot \
	"${bios[@]}" -kernel "$kdir/bzImage" -initrd "$work/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 oops=panic page_table_check=on debug_pagealloc=on kmemleak=on" \
	-fsdev local,id=hostroot,path=/,readonly=on,security_model=none \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	</dev/null >"$log" 2>&1 || rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
tr -d '\r' <"$log" | grep -a 'SMOKE:' >&2 || true

fail=()
((rc == 0)) || fail+=("qemu exited with $rc (124 = timeout)")
grep -aq 'SMOKE: done' "$log" || fail+=("init did not finish")
grep -aq 'reboot: Power down' "$log" || fail+=("no clean poweroff")
while IFS= read -r l; do fail+=("$l"); done < <(grep -a 'SMOKE: FAIL' "$log" || true)
splat='BUG:|WARNING:|Oops|KASAN:|UBSAN:|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU usage|unreferenced object|suspected memory leak|general protection fault|Kernel panic|Call Trace:'
if grep -aEq "$splat" "$log"; then
	fail+=("splat on the console:")
	while IFS= read -r l; do fail+=("  $l"); done < <(grep -aE "$splat" "$log" | head -n 20)
fi
grep -aq 'SMOKE: ok kmemleak leaks=0' "$log" || fail+=("kmemleak reported leaks at boot")

printf 'boot-to-poweroff: %.1f s\n' "$secs"
if ((${#fail[@]})); then
	keep=1
	printf 'smoke FAILED (console log kept: %s):\n' "$log" >&2
	printf '  %s\n' "${fail[@]}" >&2
	tail -n 40 "$log" >&2
	exit 1
fi
echo "smoke OK: $(grep -a 'SMOKE: uname-r' "$log" | tr -d '\r' | cut -d' ' -f3), no splat"
[[ $keep == 1 ]] && echo "console log: $log"
true
