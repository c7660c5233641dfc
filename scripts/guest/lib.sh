# shellcheck shell=sh
# Shared by the guest-side scripts (POSIX sh, run inside the guest,
# chrooted into the host's root). Source it.

REPO=${REPO:-/run/mmapdemo/repo}
OUT=${OUT:-/run/mmapdemo/out}
FLAVOR=${md_flavor:-stock}
# Where the module and user space for this kernel were built, under
# build/: md_build= and md_user= on the kernel command line (the kernel
# matrix builds them in each release's own root file system).
BUILD=$REPO/build/${md_build:-$FLAVOR}
USERBUILD=$REPO/build/${md_user:-user}
MMAPDEMO_KO=$BUILD/mmapdemo.ko
MMAPDEMO_TOOL=$USERBUILD/cli/mmapdemo
GUEST_TESTS=$USERBUILD/tests/guest
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export REPO OUT FLAVOR BUILD USERBUILD MMAPDEMO_KO MMAPDEMO_TOOL GUEST_TESTS PATH

# Where the module and the device show their state in sysfs.
MD_PARAMS=/sys/module/mmapdemo/parameters
MD_STATS=/sys/class/misc/mmapdemo/stats

# md_param NAME [VALUE]: a module parameter: print it, or set it to VALUE
# (fails unless it then reads back as VALUE).
md_param() {
	if [ $# -gt 1 ]; then
		echo "$2" >"$MD_PARAMS/$1" && [ "$(cat "$MD_PARAMS/$1")" = "$2" ]
	else
		cat "$MD_PARAMS/$1"
	fi
}

# md_stat NAME: a counter of the device.
md_stat() {
	cat "$MD_STATS/$1"
}

# md_faults: faults the driver served, 4 KiB ones and 2 MiB entries alike
# (with huge mappings in effect a fault-mode mapping may take only the
# latter).
md_faults() {
	echo $(($(md_stat faults) + $(md_stat huge_faults)))
}

# md_check_reset: the last checks of a suite that switched the default
# map mode and had other programs map the device (tap.sh's check).
md_check_reset() {
	check "map_mode parameter back to fault" md_param map_mode fault
	check "no mapping left behind (live_vmas 0)" \
		test "$(md_stat live_vmas)" -eq 0
}

# md_pmd_size: bytes a PMD maps (THP's hpage_pmd_size; without THP a page
# table's worth: 2 MiB with 4 KiB pages, 32 MiB with 16 KiB, 512 MiB with
# 64 KiB).
md_pmd_size() {
	_p=$(getconf PAGESIZE)
	cat /sys/kernel/mm/transparent_hugepage/hpage_pmd_size 2>/dev/null ||
		echo $((_p / 8 * _p))
}

# md_huge_size: the buffer size of the huge suites, in MiB with its unit:
# four PMDs (huge.c needs them), at least 16M.
md_huge_size() {
	_m=$(($(md_pmd_size) * 4 >> 20))
	[ "$_m" -ge 16 ] || _m=16
	echo "${_m}M"
}

md_loaded() {
	[ -d /sys/module/mmapdemo ]
}

# md_load [param=value...]: load the freshly built module, through the
# mmapdemo tool (libkmod), as users do.
md_load() {
	"$MMAPDEMO_TOOL" load --module "$MMAPDEMO_KO" "$@"
}

# md_unload: unload if loaded; fails when the module is still in use.
md_unload() {
	if md_loaded; then
		"$MMAPDEMO_TOOL" unload
	fi
}

# md_pattern SEED OFFSET LENGTH: the bytes FILL writes there (the uapi
# header's pattern), on stdout, from the one oracle in python_mmap.py.
md_pattern() {
	python3 -B -c 'import sys
sys.path.insert(0, sys.argv[1])
from python_mmap import pattern
seed, off, length = (int(a, 0) for a in sys.argv[2:])
sys.stdout.buffer.write(pattern(seed, off, length))' \
		"$REPO/user/tests/guest" "$@"
}

# md_fault_sites on|off: let /proc/<tid>/fail-nth fail GFP_KERNEL
# allocations (ignore-gfp-wait N) of any order (min-order 0) and user
# copies, quietly (verbose 0: the console is scanned for splats), or
# back to the kernel's defaults. Probability stays 0 either way: only a
# thread that arms fail-nth sees a fault.
md_fault_sites() {
	_d=/sys/kernel/debug
	_on=$1
	if [ "$1" = on ]; then
		set -- N 0 0
	else
		set -- Y 1 2
	fi
	for _k in failslab/ignore-gfp-wait:$1 fail_page_alloc/ignore-gfp-wait:$1 \
		fail_page_alloc/min-order:$2 failslab/verbose:$3 \
		fail_page_alloc/verbose:$3 fail_usercopy/verbose:$3; do
		[ -w "$_d/${_k%%:*}" ] || {
			echo "no $_d/${_k%%:*} (CONFIG_FAULT_INJECTION_DEBUG_FS?)" >&2
			return 1
		}
		echo "${_k#*:}" >"$_d/${_k%%:*}" || return 1
	done
	# For scripts/splat-scan.sh: allocation failure reports from here on
	# are expected.
	echo "<5>mmapdemo-test: fault injection $_on" >/dev/kmsg
}

# tap_ms: milliseconds since boot (/proc/uptime, to 10 ms), with no
# process started: for the "# time: N ms" lines after each test.
tap_ms() {
	read -r _up _ </proc/uptime
	_cs=${_up#*.}
	_cs=${_cs#0}
	echo $((${_up%.*} * 1000 + _cs * 10))
}
