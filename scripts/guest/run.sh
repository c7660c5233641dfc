#!/bin/sh
# Inside the guest (chrooted into the host root): run one action.
#
# usage: run.sh tests|check|planted|dkms|demo|bench|bench-trace|fuzz|kallsyms|icount
#
# tests  every suite user/tests/guest/*.sh in turn. Before a suite the
#        module is loaded with its defaults (unless the suite has the line
#        "# mmapdemo-guest: start-unloaded"); afterwards it must unload.
#        A suite with the line "# mmapdemo-guest: flavor F..." runs only
#        on those flavors (scripts/check.sh expects exactly that list).
#        md_suites=GLOB[,GLOB...] on the kernel command line runs only
#        the suites whose names match (for development; check.sh then
#        reports the others as missing).
#        Each suite prints TAP; run.sh saves OUT/<suite>.tap, .err, .rc,
#        .unload and .secs (its wall-clock seconds) for the host to count.
# check  (debug kernel) kmemleak cleared, the suites as for tests, then
#        the KUnit module (results copied from debugfs to
#        OUT/kunit-<suite>.ktap), then a kmemleak scan into OUT/kmemleak.txt
# dkms   (after the host's "dkms install") scripts/guest/dkms.sh: modprobe
#        loads the DKMS build from /lib/modules; OUT/dkms.tap, .err, .rc
#        and .unload as for a suite
# demo   the two-way sharing demo, as a transcript on the console.
# bench  mmapdemo bench with the module loaded with size=$md_bench_size
#        (default 1G; the default size if that does not fit) and the
#        parameters in $md_bench_params, options from $md_bench_opts
#        (':' separates them in both); OUT/bench.txt, .csv, .json,
#        bench.err (progress) and bench.rc.
# kallsyms  (make bench ICOUNT=1, make check's icount) /proc/kallsyms into
#        OUT/kallsyms.txt (booted with nokaslr: the addresses of every
#        boot of this kernel), for the counting plugin's entries= file.
# icount (make bench ICOUNT=1, make check's icount; QEMU runs the
#        counting plugin) mmapdemo bench --icount with the module loaded
#        as for bench, options from $md_bench_opts: its lines in
#        OUT/icount.win, stderr in icount.err, exit status in icount.rc;
#        the kernel release, command line and page size in icount.env;
#        /proc/kallsyms (with the module's symbols) in kallsyms.txt.
# bench-trace  (make bench TRACE=1) scripts/guest/bench-trace.sh: perf
#        profiles of the 4 KiB setups at 64 MiB, 256 MiB and 1 GiB, into
#        OUT/trace-*.txt and .json; its exit status in OUT/trace.rc.
# fuzz   (debug kernel, make fuzz) kmemleak cleared, the module loaded,
#        the fuzzer with --ops $md_fuzz_ops --procs $md_fuzz_procs and
#        --seed $md_fuzz_seed, --max-seconds $md_fuzz_secs (each only
#        when set), the module unloaded,
#        then a kmemleak scan; OUT/fuzz.tap, fuzz.err, fuzz.rc,
#        fuzz.unload and kmemleak.txt.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/suites.sh"
TMPDIR=/tmp
export TMPDIR

action=${1:-tests}
echo "guest: $(uname -r), flavor $FLAVOR, action $action"

# run_script NAME FILE: the sh script FILE as suite NAME: its TAP, stderr,
# exit status and seconds in OUT/NAME.tap, .err, .rc, .secs.
run_script() {
	_t0=$(date +%s)
	sh "$2" >"$OUT/$1.tap" 2>"$OUT/$1.err"
	echo $? >"$OUT/$1.rc"
	echo $(($(date +%s) - _t0)) >"$OUT/$1.secs"
}

run_suites() {
	for suite in "$REPO"/user/tests/guest/*.sh; do
		name=$(basename "$suite" .sh)
		md_suite_wanted "$suite" "$FLAVOR" "${md_suites:-}" || continue
		md_unload 2>/dev/null
		if ! grep -q '^# mmapdemo-guest: start-unloaded' "$suite"; then
			if ! md_load 2>"$OUT/$name.load"; then
				echo "guest: cannot load module for $name"
				{ ls -la "$MMAPDEMO_KO"; dmesg | tail -n 5; } \
					>>"$OUT/$name.load" 2>&1
				echo 99 >"$OUT/$name.rc"
				continue
			fi
		fi
		echo "guest: suite $name"
		run_script "$name" "$suite"
		unload_record "$name"
	done
	md_unload
}

KMEMLEAK=/sys/kernel/debug/kmemleak

# KUnit suites run when mmapdemo_kunit.ko loads (it needs mmapdemo.ko).
# Their debugfs results vanish on rmmod, so copy them out first.
run_kunit() {
	md_unload 2>/dev/null
	if ! md_load; then
		echo "guest: cannot load mmapdemo.ko for KUnit"
		return 1
	fi
	if ! insmod "$BUILD/mmapdemo_kunit.ko" 2>"$OUT/kunit.load"; then
		echo "guest: cannot load mmapdemo_kunit.ko"
		md_unload
		return 1
	fi
	for d in /sys/kernel/debug/kunit/mmapdemo_*; do
		[ -r "$d/results" ] && cp "$d/results" "$OUT/kunit-${d##*/}.ktap"
	done
	rmmod mmapdemo_kunit && md_unload
}

# kmemleak only reports objects that stay unreferenced across scans and
# are older than its minimum age; scan twice with a pause between. No
# kmemleak: OUT/kmemleak.missing, which the host counts as a failure.
kmemleak_scan() {
	if [ ! -w $KMEMLEAK ]; then
		echo "guest: no kmemleak" >"$OUT/kmemleak.txt"
		echo 1 >"$OUT/kmemleak.missing"
		return
	fi
	echo scan >$KMEMLEAK
	sleep 6
	echo scan >$KMEMLEAK
	cat $KMEMLEAK >"$OUT/kmemleak.txt"
}

# unload_record NAME [CMD...]: unload the module (with CMD, default
# md_unload) and record in OUT/NAME.unload whether that worked.
unload_record() {
	_n=$1
	shift
	[ $# -gt 0 ] || set -- md_unload
	if ! md_loaded || "$@" 2>>"$OUT/$_n.err"; then
		echo 0 >"$OUT/$_n.unload"
	else
		echo 1 >"$OUT/$_n.unload"
	fi
}

case $action in
tests)
	run_suites
	;;
check)
	[ -w $KMEMLEAK ] && echo clear >$KMEMLEAK
	run_suites
	run_kunit
	echo $? >"$OUT/kunit.status"
	kmemleak_scan
	;;
planted)
	# scripts/planted-bug.sh: exercise a module with a planted bug.
	md_load && "$MMAPDEMO_TOOL" verify && md_unload
	;;
deb)
	# md_overlay=1: install the Debian packages, use them, purge them.
	run_script deb "$REPO/scripts/guest/deb.sh"
	unload_record deb modprobe -r mmapdemo
	;;
dkms)
	run_script dkms "$REPO/scripts/guest/dkms.sh"
	unload_record dkms modprobe -r mmapdemo
	;;
demo)
	md_unload 2>/dev/null
	echo "guest: insmod mmapdemo.ko (size=4M, map_mode=fault)"
	md_load || exit 1
	ls -l /dev/mmapdemo
	"$USERBUILD/examples/demo" || exit 1
	echo "guest: rmmod mmapdemo"
	md_unload
	;;
bench)
	md_unload 2>/dev/null
	size=${md_bench_size:-1G}
	# shellcheck disable=SC2046
	if ! md_load size="$size" $(echo "${md_bench_params:-}" | tr ':' ' ') \
			2>"$OUT/bench.load"; then
		echo "guest: cannot load with size=$size, loading the default"
		md_load || exit 1
	fi
	# TCG runs rep movsb a byte at a time. glibc's memcpy takes it from
	# 8 KiB to about the L2 size and vector loops outside that, so every
	# user copy from 16 to 512 KiB ran at a fraction of its 1 MiB speed.
	# With vector loops at every size the bench measures the mappings,
	# not the emulator's rep movsb (which read() and write() still use
	# in the kernel: that is theirs).
	GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=0xffffffffffffffff
	export GLIBC_TUNABLES
	echo "guest: mmapdemo bench $(echo "${md_bench_opts:-}" | tr ':' ' ')"
	# Progress goes to the console too, so a slow run shows where it is.
	{
		# shellcheck disable=SC2046
		"$MMAPDEMO_TOOL" bench --output "$OUT/bench" \
			$(echo "${md_bench_opts:-}" | tr ':' ' ') 2>&1 >/dev/null
		echo $? >"$OUT/bench.rc"
	} | tee "$OUT/bench.err"
	md_unload
	;;
kallsyms)
	cat /proc/kallsyms >"$OUT/kallsyms.txt"
	;;
icount)
	md_unload 2>/dev/null
	size=${md_bench_size:-1G}
	# shellcheck disable=SC2046
	if ! md_load size="$size" $(echo "${md_bench_params:-}" | tr ':' ' ') \
			2>"$OUT/icount.load"; then
		echo "guest: cannot load with size=$size"
		echo 99 >"$OUT/icount.rc"
		exit 1
	fi
	{
		echo "kernel=$(uname -r)"
		echo "cmdline=$(cat /proc/cmdline)"
		echo "page=$(getconf PAGESIZE)"
		echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
		echo "ncpus=$(nproc)"
	} >"$OUT/icount.env"
	echo "guest: mmapdemo bench --icount $(echo "${md_bench_opts:-}" | tr ':' ' ')"
	# shellcheck disable=SC2046
	"$MMAPDEMO_TOOL" bench --icount $(echo "${md_bench_opts:-}" | tr ':' ' ') \
		>"$OUT/icount.win" 2>"$OUT/icount.err"
	echo $? >"$OUT/icount.rc"
	cat /proc/kallsyms >"$OUT/kallsyms.txt"
	md_unload
	;;
bench-trace)
	sh "$REPO/scripts/guest/bench-trace.sh"
	echo $? >"$OUT/trace.rc"
	;;
fuzz)
	[ -w $KMEMLEAK ] && echo clear >$KMEMLEAK
	md_unload 2>/dev/null
	if ! md_load 2>"$OUT/fuzz.load"; then
		echo "guest: cannot load the module for the fuzzer"
		echo 99 >"$OUT/fuzz.rc"
		exit 1
	fi
	set --
	[ -n "${md_fuzz_ops:-}" ] && set -- "$@" --ops "$md_fuzz_ops"
	[ -n "${md_fuzz_procs:-}" ] && set -- "$@" --procs "$md_fuzz_procs"
	[ -n "${md_fuzz_seed:-}" ] && set -- "$@" --seed "$md_fuzz_seed"
	[ -n "${md_fuzz_verbose:-}" ] && set -- "$@" --verbose
	[ -n "${md_fuzz_secs:-}" ] && set -- "$@" --max-seconds "$md_fuzz_secs"
	echo "guest: fuzz $*"
	# The TAP goes to the console too, so a long run shows where it is.
	{
		"$GUEST_TESTS/fuzz" "$@" 2>"$OUT/fuzz.err"
		echo $? >"$OUT/fuzz.rc"
	} | tee "$OUT/fuzz.tap"
	unload_record fuzz
	kmemleak_scan
	;;
*)
	echo "guest: unknown action $action"
	exit 2
	;;
esac
