#!/bin/sh
# The ring examples end to end (user/examples/ring_*.c): the streaming
# consumer of kernel records, the batch submitter, and ring_bench, whose
# numbers (ring beside the pipe baseline, measured in the same run) are
# printed as TAP comments. Nothing judges the numbers.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

EX=$USERBUILD/examples
# ring_bench messages and round trips per run: enough to exercise every
# path (its numbers are only reported), few enough for the debug kernels.
N=20000
R=500
t=$(mktemp -d)
plan 6

check "ring_stream: every kernel record received or counted as dropped" \
	sh -c "$EX/ring_stream 200000 100000 1024 >$t/stream &&
	       grep -q '^OK: every record accounted for' $t/stream"
sed 's/^/# /' "$t/stream"

check "ring_batch: kernel CRCs of user data, user sees kernel fills" \
	sh -c "$EX/ring_batch 65536 32 >$t/batch && grep -q '^OK' $t/batch"
sed 's/^/# /' "$t/batch"

# bench_json MODE: run ring_bench, then check its JSON has every number.
bench_json() {
	"$EX/ring_bench" -m "$1" -n $N -r $R -j >"$t/bench-$1.json" &&
		python3 - "$t/bench-$1.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["mode"] == sys.argv[2], d["mode"]
for k in ("ring", "pipe"):
    assert d[k]["msgs_per_s"] > 0, k
assert min(d["ring"]["rtt_poll_us"].values()) > 0
assert min(d["ring"]["rtt_spin_us"].values()) > 0
assert min(d["pipe"]["rtt_us"].values()) > 0
assert d["producer"]["records_per_s"] > 0
PY
}

for mode in fault remap; do
	check "ring_bench -m $mode: ring and pipe numbers in one JSON object" \
		bench_json $mode
	sed 's/^/# /' "$t/bench-$mode.json"
done

check "ring_bench table (fault)" \
	sh -c "$EX/ring_bench -m fault -n $N -r $R >$t/table &&
	       grep -q '^ring (poll wakeup)' $t/table &&
	       grep -q '^pipe (ping-pong)' $t/table"
sed 's/^/# /' "$t/table"

check "no ring left behind: the module's refcount is 0" \
	test "$(cat /sys/module/mmapdemo/refcnt)" = 0
rm -rf "$t"
done_testing
