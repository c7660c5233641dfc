#!/bin/bash
# make fuzz: the random-operation fuzzer (user/tests/guest/fuzz.c) on the
# debug kernel (KASAN, UBSAN, kmemleak, lockdep, ...) in QEMU/TCG, with a
# bigger budget than the short run in make check. Prints the fuzzer's
# summary (seed, processes, ops, ops/s, calls and errnos per type), then
# scans the console for kernel splats and checks kmemleak. Exit non-zero
# on any failure. Results in build/results/fuzz/ (fuzz.tap, fuzz.err,
# console.log, kmemleak.txt).
#
# Environment (make fuzz sets the first four from OPS, SEED, PROCS, MAXSECS):
#   MMAPDEMO_FUZZ_OPS      total operations over all processes (default 20000)
#   MMAPDEMO_FUZZ_SEED     the seed to replay (default: a fresh one, printed)
#   MMAPDEMO_FUZZ_PROCS    worker processes (default 4)
#   MMAPDEMO_FUZZ_MAXSECS  stop the workers after this many seconds (default: none)
#   MMAPDEMO_FUZZ_VERBOSE  non-empty: every operation to build/results/fuzz/fuzz.err
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/root.sh
. "$(dirname "$0")/root.sh"
require_root "make fuzz"
cd "$MMAPDEMO_ROOT"

ops=${MMAPDEMO_FUZZ_OPS:-20000}
seed=${MMAPDEMO_FUZZ_SEED:-}
procs=${MMAPDEMO_FUZZ_PROCS:-4}
secs=${MMAPDEMO_FUZZ_MAXSECS:-}
[[ $ops =~ ^[0-9]+$ && $procs =~ ^[0-9]+$ && $seed =~ ^[0-9]*$ &&
	$secs =~ ^[0-9]*$ ]] ||
	die "fuzz: OPS, PROCS, SEED and MAXSECS must be numbers"
B=$MMAPDEMO_ROOT/build
OUT=$B/results/fuzz

debug_env debug || die "fuzz: no debug kernel"
echo "fuzz: building the module against the debug kernel" >&2
debug_module "$B/matrix/debug" >/dev/null

append="$(cat "$DK_DIR/cmdline") md_build=matrix/debug md_user=$DK_USER"
append+=" md_fuzz_ops=$ops md_fuzz_procs=$procs"
[[ -n $seed ]] && append+=" md_fuzz_seed=$seed"
[[ -n $secs ]] && append+=" md_fuzz_secs=$secs"
[[ -n ${MMAPDEMO_FUZZ_VERBOSE:-} ]] && append+=" md_fuzz_verbose=1"
# The debug kernel under TCG does 400 to 1000 operations a second on two
# host cores; leave room for the boot, the kmemleak scan and a busy host.
timeout=$((600 + ops / 50))
echo "fuzz: booting the debug kernel: $ops operations in $procs processes" \
	"(timeout ${timeout}s)" >&2
start=$(now)
rc=0
boot_guest - "$DK_ROOTFS" "$DK_DIR/bzImage" debug fuzz "$OUT" "$timeout" \
	"$append" || rc=$?

failed=0
if [[ -f $OUT/fuzz.tap ]]; then
	tr -d '\r' <"$OUT/fuzz.tap" | grep -E '^(not ok|#|Bail)' || true
fi
if [[ $rc -ne 0 ]]; then
	echo "fuzz: FAIL: the guest exited $rc (console: $OUT/console.log)"
	failed=1
fi
if [[ $(cat "$OUT/fuzz.rc" 2>/dev/null) != 0 ]]; then
	echo "fuzz: FAIL: the fuzzer exited $(cat "$OUT/fuzz.rc" 2>/dev/null || echo none)" \
		"(see $OUT/fuzz.tap)"
	failed=1
fi
if [[ $(cat "$OUT/fuzz.unload" 2>/dev/null) != 0 ]]; then
	echo "fuzz: FAIL: the module did not unload after the run"
	failed=1
fi
if msg=$(splat_verdict "$OUT"); then
	echo "fuzz: no kernel splat in the console"
else
	echo "fuzz: FAIL: $msg"
	failed=1
fi
if msg=$(kmemleak_verdict "$OUT"); then
	echo "fuzz: kmemleak: no leaks"
else
	echo "fuzz: FAIL: $msg"
	failed=1
fi
echo "fuzz: $(elapsed "$start") s with the boot; results in $OUT"
if [[ $failed -ne 0 ]]; then
	seed_run=$(sed -n 's/^# fuzz: seed \([0-9]*\),.*/\1/p' "$OUT/fuzz.tap" \
		2>/dev/null | head -n1)
	echo "fuzz: FAILED; replay with make fuzz OPS=$ops PROCS=$procs" \
		"${secs:+MAXSECS=$secs }SEED=${seed_run:-(unknown: the fuzzer printed none)}"
	exit 1
fi
echo "fuzz: PASSED"
