#!/bin/bash
# make check: every test, on the host and in QEMU guests, with one total.
#
#   host   module built with W=1 against the stock headers (no warnings),
#          user space built with -Werror, host unit tests (TAP)
#   dkms   Debian's dkms adds, builds and installs the module for the stock
#          kernel on the host; in the stock guest (whose root is the
#          host's) modprobe loads that build; dkms remove leaves the host
#          as it was
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
# MMAPDEMO_SUITES="GLOB[,GLOB...]" restricts the guest suites of the stock
# and debug stages (e.g. "20-*,cli"; development only).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/guest/suites.sh
. "$(dirname "$0")/guest/suites.sh"
cd "$MMAPDEMO_ROOT" || exit 1

STAGES=${MMAPDEMO_STAGES:-host dkms stock debug}
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
# guest_suites FLAVOR: the suites scripts/guest/run.sh runs on FLAVOR
# (all of user/tests/guest/*.sh but those marked for other flavors).
guest_suites() {
	local f
	for f in user/tests/guest/*.sh; do
		md_suite_wanted "$f" "$1" "${MMAPDEMO_SUITES:-}" &&
			basename "$f" .sh
	done
}

# Kernel command-line words that pass MMAPDEMO_SUITES to the guest.
SUITES_ARG=${MMAPDEMO_SUITES:+md_suites=$MMAPDEMO_SUITES}

count_guest() {
	local flavor=$1 dir=$2 grc=$3 f name
	if [[ $grc -ne 0 ]]; then
		fail "$flavor guest exited $grc (console: $dir/console.log)"
	fi
	if [[ $flavor == stock || $flavor == debug ]]; then
		for name in $(guest_suites "$flavor"); do
			[[ -e $dir/$name.rc ]] || fail "$flavor: suite $name did not run"
		done
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
	local msg
	if msg=$(kmemleak_verdict "$1"); then
		echo "  kmemleak: no leaks"
	else
		fail "debug: $(head -n 1 <<<"$msg")"
		tail -n +2 <<<"$msg"
	fi
}

# The dkms stage puts a module into the host's /lib/modules/$KVER, which
# every stock guest on this machine sees (also those of another checkout
# running make check). It holds this lock exclusively while the module is
# installed; the stock stage holds it shared.
MODULES_LOCK=/run/lock/mmapdemo-modules.lock
[[ -d /run/lock && -w /run/lock ]] || MODULES_LOCK=${TMPDIR:-/tmp}/mmapdemo-modules.lock

# modules_lock -s|-x: take the lock on fd 9 (waits for the holders).
# Opened read-only: whoever created the file, everyone can lock it.
modules_lock() {
	{ [[ -e $MODULES_LOCK ]] || : >>"$MODULES_LOCK"; } &&
		exec 9<"$MODULES_LOCK" && flock "$1" -w 1800 9
}

modules_unlock() {
	exec 9>&-
}

# What DKMS may touch for $KVER, outside the kernel's own modules: every
# file (with its checksum) and directory under /lib/modules/$KVER, and
# mmapdemo's entries in the DKMS and source trees.
dkms_host_state() {
	(cd "/lib/modules/$KVER" &&
		find . -path ./kernel -prune -o -type d -print | sort &&
		find . -path ./kernel -prune -o -type f -print0 | sort -z |
		xargs -0 md5sum)
	ls -d /usr/src/mmapdemo* /var/lib/dkms/mmapdemo* 2>/dev/null
}

# dkms_step NAME LOG CMD...: one counted check; CMD's output goes to LOG.
dkms_step() {
	local name=$1 log=$2
	shift 2
	if "$@" >>"$log" 2>&1; then
		sp=$((sp + 1))
		echo "  ok $name"
	else
		fail "dkms: $name (log: $log)"
		tail -n 15 "$log" | sed 's/^/    /'
		return 1
	fi
}

# dkms_expect NAME GOT WANT: one counted check that GOT equals WANT.
dkms_expect() {
	if [[ $2 == "$3" ]]; then
		sp=$((sp + 1))
		echo "  ok $1"
	else
		fail "dkms: $1: got '$2', want '$3'"
	fi
}

# Remove what an interrupted stage installed, if the script is stopped.
dkms_abort() {
	echo "  dkms: interrupted; removing the DKMS install" >&2
	scripts/dkms.sh remove >/dev/null 2>&1
	exit 130
}

dkms_stage() {
	local log=$R/dkms-host.log dir=$R/dkms ver mok_made='' before after
	local ko=/lib/modules/$KVER/updates/dkms/mmapdemo.ko
	rm -rf "$dir" "$log"
	mkdir -p "$R"
	if [[ ! -x $B/user/cli/mmapdemo ]]; then
		fail "dkms: the mmapdemo tool is not built (the host stage did not run)"
		return
	fi
	dkms_step "versions agree: dkms.conf, MODULE_VERSION, user space" \
		"$log" scripts/dkms.sh check-version || return
	ver=$(scripts/dkms.sh version)
	if ! modules_lock -x; then
		fail "dkms: could not lock $MODULES_LOCK"
		return
	fi
	# A stage that was killed may have left its install behind.
	if ! scripts/dkms.sh remove >>"$log" 2>&1; then
		fail "dkms: could not remove an earlier registration (log: $log)"
		modules_unlock
		return
	fi
	before=$(dkms_host_state)
	[[ -e /var/lib/dkms/mok.key ]] || mok_made=1
	trap dkms_abort INT TERM HUP

	if dkms_step "dkms add mmapdemo/$ver (sources in /usr/src/mmapdemo-$ver)" \
			"$log" scripts/dkms.sh add &&
		dkms_step "dkms build -k $KVER" "$log" scripts/dkms.sh build "$KVER" &&
		dkms_step "dkms install -k $KVER" "$log" scripts/dkms.sh install "$KVER"; then
		dkms_expect "depmod knows it: modinfo -k $KVER -n mmapdemo" \
			"$(modinfo -k "$KVER" -n mmapdemo 2>&1)" "$ko"
		dkms_expect "dkms status: installed for $KVER" \
			"$(dkms status mmapdemo 2>&1 | sed 's/: installed.*/: installed/')" \
			"mmapdemo/$ver, $KVER, $(uname -m): installed"
		# Debian's dkms signs with its own key (made on first use): the
		# certificate a user enrolls with mokutil for Secure Boot.
		dkms_expect "signed with the DKMS MOK key (/var/lib/dkms/mok.pub)" \
			"$(modinfo -F sig_key "$ko" 2>&1 | tr -d :)" \
			"$(openssl x509 -inform DER -in /var/lib/dkms/mok.pub \
				-noout -serial 2>&1 | sed 's/^serial=//')"
		if ! scripts/mkinitramfs.sh "$B/dkms-initramfs.cpio.gz" "$KVER" \
				virtio_pci 9pnet_virtio 9p; then
			fail "dkms: initramfs"
		else
			scripts/run-guest.sh --kernel "/boot/vmlinuz-$KVER" \
				--initrd "$B/dkms-initramfs.cpio.gz" --flavor stock \
				--action dkms --out "$dir" --timeout 300
			count_guest dkms "$dir" $?
		fi
	fi

	dkms_step "make dkms-remove" "$log" make -s dkms-remove
	if [[ -n $mok_made ]]; then
		$([[ $(id -u) -eq 0 ]] || echo sudo) \
			rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
	trap - INT TERM HUP
	after=$(dkms_host_state)
	modules_unlock
	dkms_expect "dkms status lists no mmapdemo" "$(dkms status mmapdemo 2>&1)" ""
	dkms_expect "modinfo -k $KVER mmapdemo: not found (depmod re-run)" \
		"$(modinfo -k "$KVER" -F filename mmapdemo 2>/dev/null)" ""
	if [[ $before == "$after" ]]; then
		sp=$((sp + 1))
		echo "  ok host left as it was (/lib/modules/$KVER, /usr/src, /var/lib/dkms)"
	else
		fail "dkms: the host is not as it was:"
		diff <(echo "$before") <(echo "$after") | sed 's/^/    /'
	fi
}

# debug_guest_start: in the background, get the debug kernel (cached),
# (not alongside the stock guest: sharing two cores, the ring suites'
# liveness timeouts were missed once on the debug kernel),
# build the module for it and run the guest's check action; the outcome
# goes to $R/debug.status as "ran RC" or "failed REASON".
debug_pid=
debug_guest_start() {
	mkdir -p "$R"
	rm -f "$R/debug.status"
	(
		st=$R/debug.status
		if ! dkdir=$(scripts/debug-kernel.sh build); then
			echo "failed could not build the debug kernel" >"$st"
		elif ! scripts/build-module.sh "$dkdir/build" "$B/debug" >/dev/null; then
			echo "failed module build against the debug kernel" >"$st"
		elif ! scripts/mkinitramfs.sh "$B/debug/initramfs.cpio.gz" -; then
			echo "failed initramfs" >"$st"
		else
			scripts/run-guest.sh --kernel "$dkdir/bzImage" \
				--initrd "$B/debug/initramfs.cpio.gz" --flavor debug \
				--action check --out "$R/debug" --timeout 3000 \
				--append "$(cat scripts/debug-kernel.cmdline) $SUITES_ARG"
			echo "ran $?" >"$st"
		fi
	) >"$R/debug.log" 2>&1 &
	debug_pid=$!
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
		# Tests of the harness itself.
		for t in scripts/tests/test_*.sh; do
			"$t" >"$R/host/$(basename "$t" .sh).tap" 2>"$R/host/$(basename "$t" .sh).err"
		done
		count_tap host "$R"/host/*.tap
		;;
	dkms)
		dkms_stage
		;;
	stock)
		if [[ ! -f $B/stock/mmapdemo.ko || ! -x $B/user/tests/guest/mapping ]]; then
			fail "stock: nothing to test (the host stage did not build)"
		elif ! scripts/mkinitramfs.sh "$B/stock/initramfs.cpio.gz" "$KVER" \
				virtio_pci 9pnet_virtio 9p; then
			fail "stock: initramfs"
		else
			modules_lock -s || fail "stock: could not lock $MODULES_LOCK"
			scripts/run-guest.sh --kernel "/boot/vmlinuz-$KVER" \
				--initrd "$B/stock/initramfs.cpio.gz" --flavor stock \
				--action tests --out "$R/stock" --timeout 1800 \
				--append "$SUITES_ARG"
			grc=$?
			modules_unlock
			count_guest stock "$R/stock" "$grc"
		fi
		;;
	debug)
		[[ -n $debug_pid ]] || debug_guest_start
		wait "$debug_pid"
		what=failed detail="the guest job did not report (see $R/debug.log)"
		[[ -s $R/debug.status ]] && read -r what detail <"$R/debug.status"
		if [[ $what != ran ]]; then
			fail "debug: $detail"
		else
			count_guest debug "$R/debug" "$detail"
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
