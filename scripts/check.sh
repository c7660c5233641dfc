#!/bin/bash
# make check: every test, on the host and in QEMU guests, with one total.
#
#   host      module built with W=1 against the stock headers (no warnings),
#             user space built with -Werror, host unit tests (TAP)
#   sanitize  libmmapdemo, the tool and the host tests built with
#             -fsanitize=address,undefined into build/asan: the host tests,
#             then the tool through its error paths (scripts/sanitize.sh);
#             any sanitizer report fails
#   demo      `make demo` in a clean copy of the tree (git ls-files): the
#             README's first command works on a fresh clone
#   dkms      Debian's dkms adds, builds and installs the module for the
#             stock kernel on the host; in the stock guest (whose root is
#             the host's) modprobe loads that build; dkms remove leaves the
#             host as it was
#   stock     Debian 12's linux-image-amd64 (6.1) in QEMU/TCG: every guest
#             suite in both map modes, console scanned for splats
#   icount    the instruction-count instrument (scripts/icount/) on the
#             stock kernel, as a test of the instrument, not of speed: the
#             plugin builds and loads, repetitions agree within 1 %, the
#             exclusion of interrupts and other tasks is healthy,
#             fault_around=0 takes one fault per page and remap none
#   bullseye, trixie, sid, trixie-backports
#             the kernel matrix (scripts/matrix.sh): each release's root
#             file system (scripts/rootfs.sh, cached), the module (W=1) and
#             user space built in it with its compiler, its kernel booted
#             with that tree as the guest's root; the suites of its tier in
#             both map modes, console scanned for splats
#   deb       make deb (lintian clean), then the packages installed with
#             apt in the newest release's tree booted with its kernel (a
#             tmpfs overlay): DKMS builds the module, modprobe, the tool,
#             the examples (pkg-config) and the Python module work, purge
#             leaves no file behind
#   debug     the debug kernel (KASAN, UBSAN, kmemleak, lockdep, DEBUG_VM,
#             PAGE_TABLE_CHECK, ...) built from the newest linux-source-*
#             in its release's tree: the guest suites with the hardening
#             ones, the KUnit suites, a kmemleak scan, and a planted
#             use-after-free that KASAN must catch
#   kcsan     the same source built with KCSAN: the ring, stress and fuzz
#             suites and KUnit; a data race reported in mmapdemo fails
#   debug-6.1 the debug kernel from Debian 12's
#             linux-source-6.1 with the host's root, as the debug stage
#   arm64-6.1, arm64-7.3, arm64-16k, arm64-64k
#             arm64 guests with 4, 16 and 64 KiB pages
#             (scripts/arm64-check.sh)
#
# Each stage prints its kernel and its own "N passed, N failed"; the run
# ends with the kernel table (also in build/results/kernels.md) and the
# total "N passed, N failed", and exits non-zero on any failure. A stage
# that cannot run (no root file system, no kernel) is a failure, never a
# skip.
# MMAPDEMO_STAGES="host stock" restricts the stages (for development).
# MMAPDEMO_SUITES="GLOB[,GLOB...]" restricts the guest suites of every
# guest stage (e.g. "20-*,cli"; development only).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/guest/suites.sh
. "$(dirname "$0")/guest/suites.sh"
# shellcheck source=scripts/matrix.sh
. "$(dirname "$0")/matrix.sh"
# shellcheck source=scripts/sched.sh
. "$(dirname "$0")/sched.sh"
# shellcheck source=scripts/root.sh
. "$(dirname "$0")/root.sh"
# shellcheck source=scripts/arm64-check.sh
. "$(dirname "$0")/arm64-check.sh"
cd "$MMAPDEMO_ROOT" || exit 1

# Suites in driver/tests; each must report.
KUNIT_SUITES=$(grep -ho '^static struct kunit_suite [a-z_]*' driver/tests/*.c | wc -l)
B=$MMAPDEMO_ROOT/build
R=$B/results
total_p=0
total_f=0
total_s=0
summary=()
# Rows of the kernel table: kernel, release, compiler, what ran, result.
kernel_rows=()

# stage_result NAME PASSED FAILED SKIPPED START
stage_result() {
	local line
	total_p=$((total_p + $2))
	total_f=$((total_f + $3))
	total_s=$((total_s + $4))
	line=$(printf '%-16s %4d passed, %d failed%s  (%ss)' "$1" "$2" \
		"$3" "$([[ $4 -gt 0 ]] && echo ", $4 skipped")" "$(elapsed "$5")")
	summary+=("$line${stage_kernel:+  $stage_kernel}")
	echo "  $1: $2 passed, $3 failed${stage_kernel:+ on $stage_kernel}"
}

# kernel_row KERNEL RELEASE COMPILER WHAT: a row of the kernel table for
# the current stage, with its result (call after its counts are in).
kernel_row() {
	kernel_rows+=("| $1 | $2 | $3 | $4 | $([[ $sf -eq 0 ]] && echo pass || echo FAIL): $sp passed, $sf failed |")
}

# count_tap [--ktap-depth N] LABEL FILE...: adds the results in FILEs
# (scripts/tap-count.py) to the stage's p/f/s counters; leaves this call's
# own in cp, cf, cs.
count_tap() {
	local depth=() label out last
	if [[ $1 == --ktap-depth ]]; then
		depth=("$1" "$2")
		shift 2
	fi
	label=$1
	shift
	out=$(python3 scripts/tap-count.py "${depth[@]}" --label "$label" "$@")
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

# chroot, mmdebstrap, unshare --mount and dkms need root: say so before
# anything is done.
require_root "make check"
echo "== deps"
scripts/deps.sh || die "could not install the dependencies"
KVER=$(stock_kver)
mkdir -p "$R"

# Guest results: TAP per suite, the suite's exit status, whether the
# module unloaded afterwards, its seconds, the guest's exit status and its
# console.
# guest_suites FLAVOR [GLOBS]: the suites scripts/guest/run.sh runs on
# FLAVOR (all of user/tests/guest/*.sh but those marked for other
# flavors), limited to GLOBS (comma-separated), or MMAPDEMO_SUITES.
guest_suites() {
	local f
	for f in user/tests/guest/*.sh; do
		md_suite_wanted "$f" "$1" "${MMAPDEMO_SUITES:-${2:-}}" &&
			basename "$f" .sh
	done
}

# suites_arg [GLOBS]: the kernel command-line word that passes the suite
# selection (GLOBS, or MMAPDEMO_SUITES) to the guest.
suites_arg() {
	local g=${MMAPDEMO_SUITES:-${1:-}}
	echo "${g:+md_suites=$g}"
}

# count_guest LABEL FLAVOR DIR GUEST-EXIT [GLOBS|none]: "none" when the
# guest ran an action of its own rather than the suites
count_guest() {
	local label=$1 flavor=$2 dir=$3 grc=$4 globs=${5:-} f name p0 f0 msg
	if [[ $grc -ne 0 ]]; then
		fail "$label guest exited $grc (console: $dir/console.log)"
	fi
	if [[ $globs != none ]]; then
		for name in $(guest_suites "$flavor" "$globs"); do
			[[ -e $dir/$name.rc ]] || fail "$label: suite $name did not run"
		done
	fi
	for f in "$dir"/*.rc; do
		[[ -e $f ]] || { fail "$label: no suite ran"; return; }
		name=$(basename "$f" .rc)
		p0=$sp f0=$sf
		count_tap "$label" "$dir/$name.tap"
		[[ $(cat "$f") == 0 ]] || fail "$label: suite $name exited $(cat "$f")"
		if [[ $(cat "$dir/$name.unload" 2>/dev/null) != 0 ]]; then
			fail "$label: module did not unload after $name"
		fi
		printf '  %-20s %4d passed, %d failed  (%ss)\n' "$name" $((sp - p0)) \
			$((sf - f0)) "$(cat "$dir/$name.secs" 2>/dev/null || echo '?')"
	done
	if ! msg=$(splat_verdict "$dir"); then
		fail "$label: $(head -n 1 <<<"$msg")"
		tail -n +2 <<<"$msg"
	fi
}

# kunit_suites_in KO: the KUnit suites module KO registers (its
# .kunit_test_suites section holds one 8-byte pointer per suite); the
# source's count (KUNIT_SUITES) if that cannot be read.
kunit_suites_in() {
	local size
	size=$(objdump -h "$1" 2>/dev/null | awk '$2 == ".kunit_test_suites" { print $3 }')
	if [[ -n $size ]]; then
		echo $((16#$size / 8))
	else
		echo "$KUNIT_SUITES"
	fi
}

# count_kunit DIR LABEL KO: cases are the results one level down in each
# suite's KTAP; every suite the module KO registers must be there. A
# kernel without CONFIG_DMA_SHARED_BUFFER builds no mmapdemo_dmabuf
# suite: the stage says so.
count_kunit() {
	local dir=$1 label=$2 n want
	want=$(kunit_suites_in "$3")
	if [[ $(cat "$dir/kunit.status" 2>/dev/null) != 0 ]]; then
		fail "$label: the KUnit module did not load and unload cleanly"
		sed 's/^/    /' "$dir/kunit.load" 2>/dev/null
	fi
	((want < KUNIT_SUITES)) &&
		echo "  kunit: the module has $want of the source's $KUNIT_SUITES suites for this kernel (mmapdemo_dmabuf needs CONFIG_DMA_SHARED_BUFFER)"
	n=$(find "$dir" -name 'kunit-*.ktap' | wc -l)
	if [[ $n -ne $want ]]; then
		fail "$label: $n KUnit suite results, expected $want"
	fi
	[[ $n -gt 0 ]] || return
	count_tap --ktap-depth 1 kunit "$dir"/kunit-*.ktap
	echo "  kunit: $cp cases passed, $cf failed in $n suites"
}

count_kmemleak() {
	local msg
	if msg=$(kmemleak_verdict "$1"); then
		sp=$((sp + 1))
		echo "  ok kmemleak: no leaks"
	else
		fail "$2: $(head -n 1 <<<"$msg")"
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

# step LABEL NAME LOG CMD...: one counted check that CMD succeeds; its
# output goes to LOG, whose tail is shown when it fails.
step() {
	local label=$1 name=$2 log=$3
	shift 3
	if "$@" >>"$log" 2>&1; then
		sp=$((sp + 1))
		echo "  ok $name"
	else
		fail "$label: $name (log: $log)"
		tail -n 20 "$log" | sed 's/^/    /'
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
	stage_kernel=$KVER
	rm -rf "$dir" "$log"
	mkdir -p "$R"
	if [[ ! -x $B/user/cli/mmapdemo ]]; then
		fail "dkms: the mmapdemo tool is not built (the host stage did not run)"
		return
	fi
	step dkms "versions agree: dkms.conf, MODULE_VERSION, user space" \
		"$log" scripts/dkms.sh check-version || return
	ver=$(scripts/dkms.sh version)
	if ! modules_lock -x; then
		fail "dkms: could not lock $MODULES_LOCK"
		return
	fi
	# A stage that was killed may have left its install behind.
	if ! scripts/dkms.sh remove >>"$log" 2>&1; then
		fail "dkms: could not remove an earlier registration: $(tail -n 1 "$log") (log: $log)"
		modules_unlock
		return
	fi
	before=$(dkms_host_state)
	[[ -e /var/lib/dkms/mok.key ]] || mok_made=1
	trap dkms_abort INT TERM HUP

	if step dkms "dkms add mmapdemo/$ver (sources in /usr/src/mmapdemo-$ver)" \
			"$log" scripts/dkms.sh add &&
		step dkms "dkms build -k $KVER" "$log" scripts/dkms.sh build "$KVER" &&
		step dkms "dkms install -k $KVER" "$log" scripts/dkms.sh install "$KVER"; then
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
		stock_guest dkms "$dir" 300
		count_guest dkms dkms "$dir" $? none
	fi

	step dkms "make dkms-remove" "$log" make -s dkms-remove
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

build_user() {
	make -s -C user O="$B/user" WERROR=-Werror all &&
		make -s -C user/tests/guest O="$B/user" WERROR=-Werror &&
		make -s -C user/examples O="$B/user" WERROR=-Werror
}

# The kernel matrix. matrix_tree NAME: the entry's root file system
# (made, or checked against the archive, by the job rootfs:NAME); sets
# ROOTFS, KREL (its kernel) and CC_VER (its gcc). Returns 1, counted as a
# failure, when there is none.
matrix_tree() {
	local name=$1 dir
	if ! dir=$(cat "$S/rootfs-$name.dir" 2>/dev/null) || [[ ! -e $dir/.complete ]]; then
		fail "$name: no root file system (log: $B/matrix/$name-rootfs.log)"
		tail -n 10 "$B/matrix/$name-rootfs.log" 2>/dev/null | sed 's/^/    /'
		return 1
	fi
	ROOTFS=$dir/root
	KREL=$(cat "$dir/kernel.release")
	CC_VER=$(in_rootfs "$ROOTFS" gcc -dumpfullversion 2>/dev/null)
}

# matrix_prepare NAME: matrix_tree, then the module (W=1, no warning),
# user space and (compile only) the KUnit module built in it, once per
# run. Counted: one check per step. Returns 1 when the stage cannot go on.
matrix_prepare() {
	local name=$1 out=$B/matrix/$1 log=$B/matrix/$1.log
	matrix_tree "$name" || return 1
	: >"$log"
	step "$name" "module builds against $KREL with gcc $CC_VER, W=1, no warnings" \
		"$log" in_rootfs "$ROOTFS" "$MMAPDEMO_ROOT/scripts/build-module.sh" --strict \
		"/lib/modules/$KREL/build" "$out" || return 1
	step "$name" "user space builds with gcc $CC_VER, -Werror" "$log" \
		in_rootfs "$ROOTFS" sh -c "cd '$MMAPDEMO_ROOT' &&
			make -s -C user O='$out/user' WERROR=-Werror all &&
			make -s -C user/tests/guest O='$out/user' WERROR=-Werror &&
			make -s -C user/examples O='$out/user' WERROR=-Werror" || return 1
	# No Debian kernel has KUnit: compile the KUnit module against these
	# headers with CONFIG_KUNIT forced on, so its compat stays true.
	rm -rf "$out/kunit-src"
	mkdir -p "$out/kunit-src"
	cp --parents Kbuild $(find driver -name '*.[ch]') "$out/kunit-src/"
	if in_rootfs "$ROOTFS" make -C "/lib/modules/$KREL/build" M="$out/kunit-src" \
			W=1 CONFIG_KUNIT=y driver/tests/mmapdemo_kunit.o >"$out/kunit-build.log" 2>&1 &&
		! grep -E '(warning|error):' "$out/kunit-build.log"; then
		sp=$((sp + 1))
		echo "  ok the KUnit module compiles against $KREL (W=1; run on the debug kernels)"
	else
		fail "$name: the KUnit module does not compile against $KREL (log: $out/kunit-build.log)"
		grep -m 10 -E '(warning|error):' "$out/kunit-build.log" | sed 's/^/    /'
	fi
}

# A release's name for the table: "Debian 13 trixie" and the like.
release_name() {
	local v
	v=$(. "$1/etc/os-release" 2>/dev/null && echo "${VERSION_ID:-}")
	echo "Debian${v:+ $v} $2"
}

matrix_stage() {
	local name=$1 globs= what
	matrix_entry "$name"
	matrix_prepare "$name" || return
	stage_kernel=$KREL
	echo "  kernel $KREL ($(release_name "$ROOTFS" "$name"), gcc $CC_VER), tier $M_TIER"
	read -r _ globs < <(stage_suites "$name")
	boot_guest "$KREL" "$ROOTFS" "$ROOTFS/boot/vmlinuz-$KREL" stock tests \
		"$R/$name" 2400 \
		"md_build=matrix/$name md_user=matrix/$name/user $(suites_arg "$globs")"
	count_guest "$name" stock "$R/$name" $? "$globs"
	what="stock suites ($M_TIER), both modes"
	[[ $M_TIER == full ]] && what="stock suites (all, real clients too), both modes"
	kernel_row "$KREL" "$(release_name "$ROOTFS" "$name")" "gcc $CC_VER" "$what"
}

# The Debian packages: make deb (lintian clean), then in the tree of
# DEB_ENTRY (the newest release) booted with its kernel, on a tmpfs
# overlay: apt install, DKMS, modprobe, tool, examples, Python, purge
# (scripts/guest/deb.sh).
deb_stage() {
	local log=$B/deb-stage.log
	: >"$log"
	step deb "make deb: five packages, lintian without errors or warnings" \
		"$log" scripts/deb.sh || return
	matrix_tree "$DEB_ENTRY" || return
	stage_kernel=$KREL
	boot_guest "$KREL" "$ROOTFS" "$ROOTFS/boot/vmlinuz-$KREL" stock deb \
		"$R/deb" 2400 md_overlay=1 overlay
	count_guest deb stock "$R/deb" $? none
	kernel_row "$KREL" "$(release_name "$ROOTFS" "$DEB_ENTRY")" \
		"gcc $CC_VER" \
		"the Debian packages: apt install, DKMS build, modprobe, tool, examples, Python, purge"
}

# kernel_job LABEL VARIANT: the job kernel:LABEL, scripts/debug-kernel.sh
# VARIANT built (or found in the cache) in the tree of the matrix entry
# with the newest linux-source (DEBUG_ENTRY); LABEL debug-6.1 builds from
# the host's linux-source-6.1 instead. Its cache dir goes to
# $S/kernel-LABEL.dir, its progress to build/matrix/LABEL-kernel.log.
kernel_job() {
	local label=$1 variant=$2 run=() dir log=$B/matrix/$1-kernel.log
	mkdir -p "$B/matrix"
	: >"$log"
	if [[ $label != debug-6.1 ]]; then
		dir=$(cat "$S/rootfs-$DEBUG_ENTRY.dir" 2>/dev/null) ||
			{ echo "no $DEBUG_ENTRY root file system" >>"$log"; return 1; }
		run=(in_rootfs "$dir/root")
	fi
	"${run[@]}" "$MMAPDEMO_ROOT/scripts/debug-kernel.sh" build "$variant" \
		>"$S/kernel-$label.dir" 2>>"$log" || { rm -f "$S/kernel-$label.dir"; return 1; }
}

# debug_stage LABEL VARIANT FLAVOR GLOBS: the kernel of the job
# kernel:LABEL, the module built against it in its tree (user space too,
# into build/matrix/LABEL-user); the guest runs the check action (suites
# of FLAVOR matching GLOBS, KUnit, kmemleak scan). LABEL debug-6.1 has the
# host's root and the host stage's user space.
debug_stage() {
	local label=$1 variant=$2 flavor=$3 globs=$4 what
	local out=$B/matrix/$label log=$B/matrix/$label.log
	# What scripts/lib.sh debug_module and planted-bug.sh build against.
	local DK_DIR DK_ROOTFS=/ DK_USER=user
	mkdir -p "$B/matrix"
	: >"$log"
	if [[ $label != debug-6.1 ]]; then
		matrix_tree "$DEBUG_ENTRY" || return
		DK_ROOTFS=$ROOTFS
		DK_USER=matrix/$label-user
		step "$label" "user space builds in $DEBUG_ENTRY's tree with gcc $CC_VER, -Werror" \
			"$log" in_rootfs "$ROOTFS" sh -c "cd '$MMAPDEMO_ROOT' &&
				make -s -C user O='$B/$DK_USER' WERROR=-Werror lib cli &&
				make -s -C user/tests/guest O='$B/$DK_USER' WERROR=-Werror &&
				make -s -C user/examples O='$B/$DK_USER' WERROR=-Werror" || return
	else
		out=$B/debug
		CC_VER=$(gcc -dumpfullversion)
		if [[ ! -x $B/user/tests/guest/mapping ]]; then
			fail "$label: no guest programs (the host stage did not build)"
			return
		fi
	fi
	if ! DK_DIR=$(cat "$S/kernel-$label.dir" 2>/dev/null) || [[ ! -e $DK_DIR/.complete ]]; then
		fail "$label: could not build the $variant kernel (log: $B/matrix/$label-kernel.log)"
		tail -n 15 "$B/matrix/$label-kernel.log" 2>/dev/null | sed 's/^/    /'
		return
	fi
	stage_kernel=$(cat "$DK_DIR/kernel.release")
	echo "  kernel $stage_kernel ($variant, gcc $CC_VER), from $(basename "$(readlink "$DK_DIR/src")")"
	step "$label" "module builds against $stage_kernel, W=1, no warnings" "$log" \
		debug_module "$out" || return
	boot_guest - "$DK_ROOTFS" "$DK_DIR/bzImage" "$flavor" check "$R/$label" 3600 \
		"$(cat "$DK_DIR/cmdline") md_build=${out#"$B"/} md_user=$DK_USER $(suites_arg "$globs")"
	count_guest "$label" "$flavor" "$R/$label" $? "$globs"
	if [[ -f $out/mmapdemo_kunit.ko ]]; then
		count_kunit "$R/$label" "$label" "$out/mmapdemo_kunit.ko"
	else
		fail "$label: mmapdemo_kunit.ko was not built"
	fi
	what="KUnit"
	case $variant in
	debug)
		count_kmemleak "$R/$label" "$label"
		what="guest suites + fuzz, fail-nth, stress; $what; kmemleak; planted use-after-free"
		# The stage must be able to fail: a planted bug is caught.
		if DK_DIR=$DK_DIR DK_ROOTFS=$DK_ROOTFS DK_USER=$DK_USER \
				scripts/planted-bug.sh uaf "$label" \
				>"$R/$label-planted-bug.log" 2>&1; then
			sp=$((sp + 1))
			echo "  ok a planted use-after-free is caught by KASAN"
		else
			fail "$label: a planted use-after-free went unnoticed (see $R/$label-planted-bug.log)"
		fi
		what="KASAN, UBSAN, lockdep, DEBUG_VM, PAGE_TABLE_CHECK: $what"
		;;
	kcsan) what="KCSAN, lockdep, DEBUG_VM: behaviour, ring, stress, fuzz suites; $what" ;;
	esac
	kernel_row "$stage_kernel" "built from $(basename "$(readlink "$DK_DIR/src")")" \
		"gcc $CC_VER" "$what"
}

# The module against the stock headers (W=1, no warnings), user space
# (-Werror), the host unit tests and the tests of the harness itself.
host_stage() {
	local t
	stage_kernel=$KVER
	mkdir -p "$B"
	: >"$B/module-build.log"
	: >"$B/user-build.log"
	step host "module builds against $KVER with W=1, no warnings" \
		"$B/module-build.log" scripts/build-module.sh --strict \
		"/lib/modules/$KVER/build" "$B/stock"
	step host "user space builds with -Werror" "$B/user-build.log" build_user
	rm -rf "$R/host"
	mkdir -p "$R/host"
	for t in "$B"/user/tests/host/test_* scripts/tests/test_*.sh; do
		[[ -x $t ]] || continue
		"$t" >"$R/host/$(basename "$t" .sh).tap" 2>"$R/host/$(basename "$t" .sh).err"
	done
	count_tap host "$R"/host/*.tap
}

# The README's first command, on a copy with nothing built.
demo_stage() {
	stage_kernel=$KVER
	rm -rf "$B/demo-tree"
	mkdir -p "$B/demo-tree"
	git ls-files -z --cached --others --exclude-standard |
		grep -zv '^build/' | cpio -0 -pdm --quiet "$B/demo-tree"
	if make -C "$B/demo-tree" demo >"$R/demo.log" 2>&1 &&
		[[ $(grep -c 'both directions shared, no copies' "$R/demo.log") -eq 2 ]]; then
		sp=$((sp + 1))
		echo "  ok make demo in a clean copy of the tree shows both directions, both modes"
	else
		fail "demo: make demo in a clean copy failed (log: $R/demo.log)"
		tail -n 15 "$R/demo.log" | sed 's/^/    /'
	fi
	rm -rf "$B/demo-tree"
}

# Every guest suite on the stock kernel, with what the host stage built.
stock_stage() {
	local grc
	stage_kernel=$KVER
	if [[ ! -f $B/stock/mmapdemo.ko || ! -x $B/user/tests/guest/mapping ]]; then
		fail "stock: nothing to test (the host stage did not build)"
	elif ! modules_lock -s; then
		fail "stock: could not lock $MODULES_LOCK"
	else
		stock_guest tests "$R/stock" 1800 "$(suites_arg)"
		grc=$?
		modules_unlock
		count_guest stock stock "$R/stock" "$grc"
	fi
	kernel_row "$KVER" "Debian $(cat /etc/debian_version) bookworm (the host's root)" \
		"gcc $(gcc -dumpfullversion)" "host build (W=1), stock suites (all, real clients too), both modes; DKMS"
}

# The instruction-count instrument on the stock kernel: one short boot
# with the plugin (remap-4K and fault-4K with fault_around=0, 1 MiB, two
# repetitions after the warm-up); scripts/icount/report.py --check turns
# its health into TAP. The kernel's entry points come from a boot cached
# per kernel (cold: one more boot of about 15 s).
icount_stage() {
	local log=$B/icount-stage.log edir grc=0 dir=$R/icount msg
	stage_kernel=$KVER
	: >"$log"
	# shellcheck source=scripts/icount/lib.sh
	. scripts/icount/lib.sh
	if [[ ! -f $B/stock/mmapdemo.ko || ! -x $B/user/cli/mmapdemo ]]; then
		fail "icount: nothing to test (the host stage did not build)"
		return
	fi
	step icount "the counting plugin builds against QEMU's own qemu-plugin.h" \
		"$log" icount_plugin || return
	if ! edir=$(icount_entries "$KVER" / "/boot/vmlinuz-$KVER" 2>>"$log"); then
		fail "icount: cannot read the kernel's entry points (log: $log)"
		return
	fi
	if ! modules_lock -s; then
		fail "icount: could not lock $MODULES_LOCK"
		return
	fi
	icount_boot "$KVER" / "/boot/vmlinuz-$KVER" "$dir" "$edir" 600 \
		"md_bench_size=4M md_bench_opts=--quick:--variants:remap-4K,fault-4K-fa0:--sizes:1M:--reps:2" \
		>>"$log" 2>&1 || grc=$?
	modules_unlock
	if [[ $grc -ne 0 || $(cat "$dir/icount.rc" 2>/dev/null) != 0 ]]; then
		fail "icount: guest exited $grc, bench --icount $(cat "$dir/icount.rc" 2>/dev/null || echo 'did not run') (console: $dir/console.log, $dir/icount.err)"
	fi
	python3 scripts/icount/report.py --check --out "$dir/report" \
		--entries "$edir/entries.txt" --tap "$dir/icount.tap" "$dir" >>"$log" 2>&1
	count_tap icount "$dir/icount.tap"
	if ! msg=$(splat_verdict "$dir"); then
		fail "icount: $(head -n 1 <<<"$msg")"
		tail -n +2 <<<"$msg"
	fi
}

# rootfs_job NAME: the job rootfs:NAME, the matrix entry's root file
# system (scripts/rootfs.sh, cached); its dir goes to $S/rootfs-NAME.dir.
rootfs_job() {
	mkdir -p "$B/matrix"
	scripts/rootfs.sh build "$1" >"$S/rootfs-$1.dir" 2>"$B/matrix/$1-rootfs.log" ||
		{ rm -f "$S/rootfs-$1.dir"; return 1; }
}

# stage_body NAME: what job NAME does.
stage_body() {
	case $1 in
	rootfs:*) rootfs_job "${1#rootfs:}" ;;
	kernel:debug) kernel_job debug debug ;;
	kernel:kcsan) kernel_job kcsan kcsan ;;
	kernel:debug-6.1) kernel_job debug-6.1 debug ;;
	host) host_stage ;;
	sanitize)
		stage_kernel=$KVER
		scripts/sanitize.sh "$R/sanitize"
		count_tap sanitize "$R"/sanitize/*.tap
		;;
	demo) demo_stage ;;
	dkms) dkms_stage ;;
	stock) stock_stage ;;
	icount) icount_stage ;;
	deb) deb_stage ;;
	debug | kcsan | debug-6.1)
		read -r flavor globs < <(stage_suites "$1")
		debug_stage "$1" "${1%-6.1}" "$flavor" "$globs"
		;;
	arm64*) arm64_body "$1" ;;
	*)
		if matrix_entry "$1"; then
			matrix_stage "$1"
		else
			fail "unknown stage $1"
		fi
		;;
	esac
}

# The jobs and their order. A job waits for the jobs it needs (and pulls
# them into the run: a stage builds, or waits for, what it uses) and for
# the jobs it comes after when they are in the run; jobs of one group
# never run at the same time (a kernel build takes every core). Among
# ready jobs, the earlier in this list starts first: kernels and root
# file systems, then the guests, longest first, so that short ones fill
# the end of the run. Jobs of the group rootfs take no slot of
# MMAPDEMO_JOBS: mmdebstrap waits on the archive and dpkg about half the
# time (measured: 55-85 s of CPU in 100-125 s), so one runs beside the
# others.
#   job NAME NEEDS AFTER GROUP [WEIGHT] (scripts/sched.sh)
SCHED_LIGHT_GROUPS=rootfs
job rootfs:$DEBUG_ENTRY "" "" rootfs
# The kernels: debug-6.1 first, as it needs no root file system (it
# builds in the host's), so the builds start at once, while sid's tree
# is made; then debug 7.2, then KCSAN (the shortest guest).
job kernel:debug-6.1 "" "" kbuild
job kernel:debug "rootfs:$DEBUG_ENTRY" kernel:debug-6.1 kbuild
job kernel:kcsan "rootfs:$DEBUG_ENTRY" kernel:debug kbuild
for m in "${MATRIX[@]}"; do
	[[ $m == "$DEBUG_ENTRY" ]] || job "rootfs:$m" "" "" rootfs
done
# host is short and three stages need it.
job host "" "" ""
# KCSAN's guest has two vCPUs (guest_smp): it takes two slots, so it
# runs alone. It comes first of the guests: when its kernel is ready and
# one slot is taken, it holds the other (sched.sh) instead of waiting
# for the end of the run. Measured without the hold: it started last,
# and one slot idled for the 290 s that trixie-backports ran before it.
job kcsan "rootfs:$DEBUG_ENTRY kernel:kcsan" "" "" 2
job debug "rootfs:$DEBUG_ENTRY kernel:debug" "" ""
job debug-6.1 "host kernel:debug-6.1" "" ""
job deb "rootfs:$DEB_ENTRY" "" ""
# The matrix entries, the one that runs every suite (DEB_ENTRY) first.
job "$DEB_ENTRY" "rootfs:$DEB_ENTRY" "" ""
# The arm64 stages (scripts/arm64-check.sh): their kernels, root and
# cross-built user space, then the guests.
arm64_jobs
# dkms installs into the host's /lib/modules, which the stock guest sees.
job stock host dkms ""
job dkms host "" ""
for m in "${MATRIX[@]}"; do
	[[ $m == "$DEB_ENTRY" ]] || job "$m" "rootfs:$m" "" ""
done
job icount host "" ""
# Two short fillers, after the kernels: on a warm run the kernel jobs
# (found in the cache in a second) then get a slot at once, and KCSAN
# holds its second slot from the start, not after a long guest.
job sanitize "" kernel:kcsan ""
job demo "" kernel:kcsan ""
# Estimates (seconds) for the hold in sched.sh: each job's wall time in
# the warm run at caf5156 (docs/testing.md, "Time of a full run"), and
# the kernels' cold builds of the run before it. Only the order of jobs
# and whether a short one fits in a held slot depend on them.
for e in host:23 sanitize:16 demo:14 dkms:22 stock:268 deb:377 icount:30 \
	bullseye:82 trixie:75 sid:77 trixie-backports:344 \
	debug:718 debug-6.1:525 kcsan:245 \
	kernel:debug:663 kernel:debug-6.1:494 kernel:kcsan:609 \
	arm64-6.1:79 arm64-7.3:348 arm64-16k:127 arm64-64k:60 arm64:user:30 \
	arm64:kernel-64k:1454; do
	sched_estimate "${e%:*}" "${e##*:}"
done

ALL_STAGES="host sanitize demo dkms stock icount ${MATRIX[*]} deb debug kcsan debug-6.1 ${ARM64_STAGES[*]}"
STAGES=${MMAPDEMO_STAGES:-$ALL_STAGES}
JOBS=${MMAPDEMO_JOBS:-$(nproc)}
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "MMAPDEMO_JOBS must be a positive number, not '$JOBS'"
S=$R/stages
rm -rf "$S"
mkdir -p "$S"

# The run: the stages asked for, and every job they need.
for stage in $STAGES; do
	if [[ -z ${J_NEEDS[$stage]+x} || $stage == *:* ]]; then
		echo "== $stage"
		echo "  FAIL unknown stage $stage (known: $ALL_STAGES)"
		summary+=("$(printf '%-16s %4d passed, %d failed' "$stage" 0 1)")
		total_f=$((total_f + 1))
		continue
	fi
	sched_add "$stage"
done
# The stages printed, in the fixed order of ALL_STAGES.
PRINT=()
for stage in $ALL_STAGES; do
	[[ -n ${in_run[$stage]:-} ]] && PRINT+=("$stage")
done
T0=$(now)

# progress WORDS: one line of the run's progress, with its elapsed time.
progress() {
	local t
	t=$(awk -v a="$T0" -v b="$(now)" 'BEGIN { s = int(b - a); printf "%d:%02d", s / 60, s % 60 }')
	echo "[$t] $*"
}

# guest_smp STAGE: the guest's vCPUs. One, but for KCSAN, which sees a
# data race only when two CPUs run the two accesses at once. Measured
# here: two guests side by side with two vCPUs each took 129 s for what
# they did in 63 s with one (the same 272 results): with more vCPU
# threads than host cores, a vCPU spins on a lock whose holder's thread
# is not running. Alone, two vCPUs saved nothing on these suites (34 s
# against 33). The debug kernels are fully preemptible, so one vCPU still
# interleaves the driver's paths. MMAPDEMO_GUEST_SMP overrides it for
# every stage.
USER_GUEST_SMP=${MMAPDEMO_GUEST_SMP:-}
guest_smp() {
	if [[ -n $USER_GUEST_SMP ]]; then
		echo "$USER_GUEST_SMP"
	elif [[ $1 == kcsan ]]; then
		echo 2
	else
		echo 1
	fi
}

# run_job NAME: one job, in a subshell of its own: its transcript in
# $S/FILE.out, then its counts, kernel, kernel-table rows and CPU seconds
# (of the processes it waited for) in $S/FILE.counts, written last.
run_job() {
	local f=$S/${1//:/-} start
	start=$(now)
	sp=0 sf=0 ss=0 stage_kernel= kernel_rows=()
	MMAPDEMO_GUEST_SMP=$(guest_smp "$1")
	export MMAPDEMO_GUEST_SMP
	stage_body "$1" >"$f.out" 2>&1
	local rc=$?
	printf '%s\n' "${kernel_rows[@]}" | grep . >"$f.rows"
	# Children's user and system time: the second line of times (run in
	# this shell; in a command substitution it would count its own).
	times >"$f.times"
	cpu=$(sed -n 2p "$f.times" | awk '{ s = 0
		for (i = 1; i <= 2; i++) { split($i, m, "m"); s += m[1] * 60 + m[2] }
		printf "%.0f", s }')
	printf '%s %s %s %s %s %s\n' "$sp" "$sf" "$ss" "$(elapsed "$start")" "$cpu" "$rc" \
		>"$f.counts.tmp"
	printf '%s\n' "$stage_kernel" >"$f.kernel"
	mv "$f.counts.tmp" "$f.counts"
}

# Print, in PRINT's order, every finished stage whose predecessors are
# printed: the transcript reads the same whatever the order of completion.
next_print=0
flush_blocks() {
	local name f p fl s secs cpu rc
	while ((next_print < ${#PRINT[@]})); do
		name=${PRINT[$next_print]}
		[[ ${state[$name]:-} == done ]] || return
		f=$S/$name
		read -r p fl s secs cpu rc <"$f.counts"
		stage_kernel=$(cat "$f.kernel")
		{
			echo "== $name"
			cat "$f.out"
			echo "  $name: $p passed, $fl failed${stage_kernel:+ on $stage_kernel}"
		} | tee -a "$R/check.txt"
		total_p=$((total_p + p)) total_f=$((total_f + fl)) total_s=$((total_s + s))
		summary+=("$(printf '%-16s %4d passed, %d failed%s  %7ss  cpu %5ss%s' "$name" "$p" \
			"$fl" "$( ((s > 0)) && echo ", $s skipped")" "$secs" "$cpu" \
			"${stage_kernel:+  $stage_kernel}")")
		mapfile -t -O "${#kernel_rows[@]}" kernel_rows < <(grep . "$f.rows")
		next_print=$((next_print + 1))
	done
}

# The run's first line: what ran, when and where (make report reads it).
{
	echo "make check of $(git -C "$MMAPDEMO_ROOT" describe --always --dirty 2>/dev/null ||
		echo "an unknown commit"), started $(date -u '+%Y-%m-%d %H:%M UTC')," \
		"on $(uname -m), $(nproc) CPUs, $(qemu-system-x86_64 --version 2>/dev/null |
			sed -n '1s/ (.*//p')"
} | tee "$R/check.txt"
progress "$(echo "${JOB_ORDER[@]}" | wc -w) jobs known, ${#in_run[@]} in this run, $JOBS at a time"
# job_started NAME, job_done NAME: the progress lines; job_done also
# prints the stages whose turn has come.
job_started() {
	progress "start $1"
	run_job "$1"
}
job_done() {
	local j=$1 f=$S/${1//:/-} p fl s secs cpu rc
	if [[ ! -f $f.counts ]]; then
		# The job's shell died before it wrote its counts.
		echo "  FAIL $j: the job died" >>"$f.out"
		echo "0 1 0 0 0 1" >"$f.counts"
		: >"$f.kernel"
		: >"$f.rows"
	fi
	read -r p fl s secs cpu rc <"$f.counts"
	if [[ $j == *:* ]]; then
		progress "done $j: $([[ $rc == 0 ]] && echo ok ||
			echo "FAILED (log: $f.out and build/matrix/)") (${secs}s, cpu ${cpu}s)"
	else
		progress "done $j: $p passed, $fl failed (${secs}s, cpu ${cpu}s)"
	fi
	flush_blocks
}
sched_run "$JOBS" job_started job_done
# Jobs that never started (a dependency cycle would leave some).
for j in "${SCHED_STUCK[@]}"; do
	echo "  FAIL $j never started" >"$S/${j//:/-}.out"
	echo "0 1 0 0 0 1" >"$S/${j//:/-}.counts"
	: >"$S/${j//:/-}.kernel"
	: >"$S/${j//:/-}.rows"
	state[$j]=done
done
flush_blocks

# Where guest time went: per stage, the slowest suites and tests.
python3 scripts/test-times.py "$R" >"$R/test-times.txt" 2>&1
{
	echo "== guest time (also in $R/test-times.txt)"
	cat "$R/test-times.txt"
	echo "== kernels"
	{
		echo "| kernel | release | compiler | what ran | result |"
		echo "|--------|---------|----------|----------|--------|"
		((${#kernel_rows[@]} == 0)) || printf '%s\n' "${kernel_rows[@]}"
	} | tee "$R/kernels.md"
	echo "== summary (seconds of wall time; cpu: seconds of the processes each stage ran)"
	printf '%s\n' "${summary[@]}"
	echo "wall time $(elapsed "$T0")s with $JOBS jobs at a time; critical path: $(sched_critical_path)"
	if [[ $total_s -gt 0 ]]; then
		echo "$total_p passed, $total_f failed, $total_s skipped"
	else
		echo "$total_p passed, $total_f failed"
	fi
} | tee -a "$R/check.txt"
[[ $total_f -eq 0 && $total_s -eq 0 ]]
