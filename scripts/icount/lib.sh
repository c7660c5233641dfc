# shellcheck shell=bash
# The instruction-count instrument on the host side (make bench ICOUNT=1,
# make check's icount stage). Source it after scripts/lib.sh.
#
# A run: the plugin (scripts/icount/icount.c) built against the installed
# QEMU's qemu-plugin.h; the kernel's entry points (interrupts,
# exceptions, syscall, __switch_to_asm) from its /proc/kallsyms, read once
# per kernel in a short boot with nokaslr and cached; then the guest
# booted with -smp 1, -cpu max, nokaslr and the plugin, running
# `mmapdemo bench --icount` (scripts/guest/run.sh icount);
# scripts/icount/report.py makes the figures and checks their health.

ICOUNT_SO=$MMAPDEMO_ROOT/build/icount/icount.so
ICOUNT_CPU=max

# icount_plugin: build the plugin (or say in one line why not).
icount_plugin() {
	"$MMAPDEMO_ROOT/scripts/icount/build.sh" "$ICOUNT_SO"
}

# icount_entries KREL ROOT KERNEL: print the cache dir holding entries.txt
# and kallsyms.txt of KERNEL (booted from ROOT, / for the host's); the
# first call per kernel boots it once (about 15 s of guest time).
icount_entries() {
	local krel=$1 root=$2 kernel=$3 dir hash tmp
	hash=$(sha256sum "$kernel" | cut -c1-16)
	dir=$(cache_root)/icount-entries-$krel-$hash
	if [[ ! -e $dir/.complete ]]; then
		# A directory of this run's own: another checkout may be at it too.
		tmp=$dir.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp"
		echo "icount: reading $krel's kallsyms (one boot, cached in $dir)" >&2
		MMAPDEMO_GUEST_SMP=1 boot_guest "$krel" "$root" "$kernel" stock kallsyms \
			"$tmp/boot" 600 "nokaslr" >&2 || { rm -rf "$tmp"; return 1; }
		if ! cp "$tmp/boot/kallsyms.txt" "$tmp/kallsyms.txt" ||
			! "$MMAPDEMO_ROOT/scripts/icount/entries.sh" "$tmp/kallsyms.txt" \
				>"$tmp/entries.txt" ||
			! grep -q ' switch$' "$tmp/entries.txt" ||
			! grep -q ' irq$' "$tmp/entries.txt"; then
			echo "icount: no entry points in $krel's kallsyms ($tmp)" >&2
			return 1
		fi
		rm -rf "${tmp:?}/boot" "${tmp:?}/boot.initramfs.cpio.gz"
		touch "$tmp/.complete"
		# Whoever finishes first wins; the same kernel gives the same file.
		mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
	fi
	echo "$dir"
}

# icount_boot KREL ROOT KERNEL OUT ENTRIES-DIR TIMEOUT APPEND [PROF-ID]:
# the guest's icount action with the plugin; its report in OUT/icount.plugin.
icount_boot() {
	local krel=$1 root=$2 kernel=$3 out=$4 edir=$5 timeout=$6 append=$7
	local prof=${8:+,prof=$8}
	MMAPDEMO_GUEST_SMP=1 MMAPDEMO_GUEST_CPU=$ICOUNT_CPU \
		MMAPDEMO_QEMU_ARGS="-plugin $ICOUNT_SO,out=$out/icount.plugin,entries=$edir/entries.txt$prof" \
		boot_guest "$krel" "$root" "$kernel" stock icount "$out" "$timeout" \
		"nokaslr $append"
}

# icount_qemu_version: e.g. 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
icount_qemu_version() {
	qemu-system-x86_64 --version | sed -n '1s/^QEMU emulator version //p'
}
