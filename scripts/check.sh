#!/bin/bash
# make check: every test, on the host and in QEMU guests, with one total.
#
#   host   module built with W=1 against the stock headers (no warnings),
#          user space built with -Werror, host unit tests (TAP)
#   stock  Debian's linux-image-amd64 in QEMU/TCG: every guest suite in
#          both map modes, console scanned for splats
#   debug  the cached debug kernel (KASAN, UBSAN, kmemleak, lockdep,
#          DEBUG_VM, PAGE_TABLE_CHECK, ...): the guest suites again, the
#          KUnit suites, a kmemleak scan, console scanned for splats, and
#          a planted use-after-free that KASAN must catch
#
# Ends with "N passed, N failed"; exits non-zero on any failure, and a
# stage that cannot run is a failure, never a skip.
# MMAPDEMO_STAGES="host stock" restricts the stages (for development).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$MMAPDEMO_ROOT" || exit 1

STAGES=${MMAPDEMO_STAGES:-host stock debug}
# Suites in driver/tests; each must report.
KUNIT_SUITES=$(grep -ho '^static struct kunit_suite [a-z_]*' driver/tests/*.c | wc -l)
B=$MMAPDEMO_ROOT/build
R=$B/results
total_p=0
total_f=0
total_s=0
summary=()

# stage_result NAME PASSED FAILED SKIPPED START
stage_result() {
	total_p=$((total_p + $2))
	total_f=$((total_f + $3))
	total_s=$((total_s + $4))
	summary+=("$(printf '%-7s %4d passed, %d failed%s  (%ss)' "$1" "$2" \
		"$3" "$([[ $4 -gt 0 ]] && echo ", $4 skipped")" "$(elapsed "$5")")")
}

# count_tap LABEL FILE...: adds to the stage's p/f/s counters
count_tap() {
	local label=$1 out last
	shift
	out=$(python3 scripts/tap-count.py --label "$label" "$@")
	last=$(tail -n1 <<<"$out")
	grep '^FAIL' <<<"$out" | sed 's/^/  /'
	read -r cp cf cs <<<"$last"
	sp=$((sp + cp))
	sf=$((sf + cf))
	ss=$((ss + cs))
}

fail() {
	echo "  FAIL $*"
	sf=$((sf + 1))
}

echo "== deps"
scripts/deps.sh || die "could not install the dependencies"
KVER=$(stock_kver)
mkdir -p "$R"

# Guest results: TAP per suite, the suite's exit status, whether the
# module unloaded afterwards, the guest's exit status and its console.
count_guest() {
	local flavor=$1 dir=$2 grc=$3 f name
	if [[ $grc -ne 0 ]]; then
		fail "$flavor guest exited $grc (console: $dir/console.log)"
	fi
	for f in "$dir"/*.rc; do
		[[ -e $f ]] || { fail "$flavor: no suite ran"; return; }
		name=$(basename "$f" .rc)
		count_tap "$flavor" "$dir/$name.tap"
		[[ $(cat "$f") == 0 ]] || fail "$flavor: suite $name exited $(cat "$f")"
		if [[ $(cat "$dir/$name.unload" 2>/dev/null) != 0 ]]; then
			fail "$flavor: module did not unload after $name"
		fi
	done
	if ! scripts/splat-scan.sh "$dir/console.log" >"$dir/splats.txt"; then
		fail "$flavor: kernel splat in the console log:"
		head -n 20 "$dir/splats.txt" | sed 's/^/    /'
	fi
}

# KUnit: cases are the results one level down in each suite's KTAP; the
# suites themselves must all be there.
count_kunit() {
	local dir=$1 n
	if [[ $(cat "$dir/kunit.status" 2>/dev/null) != 0 ]]; then
		fail "debug: the KUnit module did not load and unload cleanly"
		sed 's/^/    /' "$dir/kunit.load" 2>/dev/null
	fi
	n=$(find "$dir" -name 'kunit-*.ktap' | wc -l)
	if [[ $n -ne $KUNIT_SUITES ]]; then
		fail "debug: $n KUnit suite results, expected $KUNIT_SUITES"
	fi
	[[ $n -gt 0 ]] || return
	local out last
	out=$(python3 scripts/tap-count.py --ktap-depth 1 --label kunit "$dir"/kunit-*.ktap)
	last=$(tail -n1 <<<"$out")
	grep '^FAIL' <<<"$out" | sed 's/^/  /'
	read -r cp cf cs <<<"$last"
	sp=$((sp + cp))
	sf=$((sf + cf))
	ss=$((ss + cs))
	echo "  kunit: $cp cases passed, $cf failed in $n suites"
}

count_kmemleak() {
	local dir=$1
	if [[ -e $dir/kmemleak.missing || ! -f $dir/kmemleak.txt ]]; then
		fail "debug: kmemleak scan did not run"
	elif [[ -s $dir/kmemleak.txt ]]; then
		fail "debug: kmemleak reports leaks:"
		head -n 30 "$dir/kmemleak.txt" | sed 's/^/    /'
	else
		echo "  kmemleak: no leaks"
	fi
}

build_user() {
	make -s -C user O="$B/user" all >"$B/user-build.log" 2>&1 &&
		make -s -C user/tests/guest O="$B/user" >>"$B/user-build.log" 2>&1 &&
		make -s -C user/examples O="$B/user" >>"$B/user-build.log" 2>&1
}

for stage in $STAGES; do
	start=$(now)
	sp=0 sf=0 ss=0
	echo "== $stage"
	case $stage in
	host)
		if scripts/build-module.sh "/lib/modules/$KVER/build" "$B/stock" >/dev/null; then
			sp=$((sp + 1))
			echo "  ok module builds against $KVER with W=1, no warnings"
		else
			fail "module build against $KVER (W=1)"
		fi
		if build_user; then
			sp=$((sp + 1))
			echo "  ok user space builds with -Werror"
		else
			cat "$B/user-build.log"
			fail "user space build"
		fi
		rm -rf "$R/host"
		mkdir -p "$R/host"
		for t in "$B"/user/tests/host/test_*; do
			[[ -x $t ]] || continue
			"$t" >"$R/host/$(basename "$t").tap" 2>"$R/host/$(basename "$t").err"
		done
		count_tap host "$R"/host/*.tap
		;;
	stock)
		if [[ ! -f $B/stock/mmapdemo.ko || ! -x $B/user/tests/guest/mapping ]]; then
			fail "stock: nothing to test (the host stage did not build)"
		elif ! scripts/mkinitramfs.sh "$B/stock/initramfs.cpio.gz" "$KVER" \
				virtio_pci 9pnet_virtio 9p; then
			fail "stock: initramfs"
		else
			scripts/run-guest.sh --kernel "/boot/vmlinuz-$KVER" \
				--initrd "$B/stock/initramfs.cpio.gz" --flavor stock \
				--action tests --out "$R/stock" --timeout 900
			count_guest stock "$R/stock" $?
		fi
		;;
	debug)
		if ! dkdir=$(scripts/debug-kernel.sh build); then
			fail "debug: could not build the debug kernel"
		elif ! scripts/build-module.sh "$dkdir/build" "$B/debug" >/dev/null; then
			fail "debug: module build against the debug kernel"
		elif ! scripts/mkinitramfs.sh "$B/debug/initramfs.cpio.gz" -; then
			fail "debug: initramfs"
		else
			scripts/run-guest.sh --kernel "$dkdir/bzImage" \
				--initrd "$B/debug/initramfs.cpio.gz" --flavor debug \
				--action check --out "$R/debug" --timeout 2400 \
				--append "$(cat scripts/debug-kernel.cmdline)"
			grc=$?
			count_guest debug "$R/debug" "$grc"
			if [[ -f $B/debug/mmapdemo_kunit.ko ]]; then
				count_kunit "$R/debug"
			else
				fail "debug: mmapdemo_kunit.ko was not built"
			fi
			count_kmemleak "$R/debug"
			# The stage must be able to fail: a planted bug is caught.
			if scripts/planted-bug.sh uaf >"$R/planted-bug.log" 2>&1; then
				sp=$((sp + 1))
				echo "  ok a planted use-after-free is caught by KASAN"
			else
				fail "debug: a planted use-after-free went unnoticed (see $R/planted-bug.log)"
			fi
		fi
		;;
	*)
		fail "unknown stage $stage"
		;;
	esac
	stage_result "$stage" "$sp" "$sf" "$ss" "$start"
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [[ $total_s -gt 0 ]]; then
	echo "$total_p passed, $total_f failed, $total_s skipped"
else
	echo "$total_p passed, $total_f failed"
fi
[[ $total_f -eq 0 && $total_s -eq 0 ]]
