#!/bin/bash
# make bench: build, boot Debian's stock kernel in QEMU/TCG with room for
# a 1 GiB buffer, run `mmapdemo bench` inside it, and collect
#   build/results/bench/bench.txt   the aligned tables and the targets
#   build/results/bench/bench.csv   one row per figure
#   build/results/bench/bench.json  everything, machine-readable
#   build/results/bench/bench.png   the plot (gnuplot, from the CSV)
#
# Environment:
#   MMAPDEMO_GUEST_MEM   guest memory (default 4G here: a 1 GiB buffer
#                        plus 1 GiB of anonymous memory to compare with)
#   MMAPDEMO_BENCH_SIZE  the module's size= (default 1G)
#   MMAPDEMO_BENCH_OPTS  more options for `mmapdemo bench`, e.g.
#                        "--quick" or "--only k2u,setup --reps 3"
#   MMAPDEMO_BENCH_PARAMS more module parameters, e.g. "fault_around=2M"
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$MMAPDEMO_ROOT"

KVER=$(stock_kver)
B=$MMAPDEMO_ROOT/build
OUT=$B/results/bench
export MMAPDEMO_GUEST_MEM=${MMAPDEMO_GUEST_MEM:-4G}
size=${MMAPDEMO_BENCH_SIZE:-1G}
opts=${MMAPDEMO_BENCH_OPTS:-}
opts=${opts// /:}
params=${MMAPDEMO_BENCH_PARAMS:-}
params=${params// /:}

echo "bench: building the module against $KVER and the user space" >&2
stock_build
echo "bench: booting $KVER in QEMU (TCG, $(nproc) CPUs, $MMAPDEMO_GUEST_MEM);" \
	"the run takes several minutes, progress below" >&2
start=$(now)
rc=0
stock_guest bench "$OUT" 900 \
	"md_bench_size=$size md_bench_opts=$opts md_bench_params=$params" || rc=$?
sed -n 's/^bench: /  /p' "$OUT/bench.err" 2>/dev/null | tr -d '\r' >&2 || true
if [[ $rc -ne 0 || $(cat "$OUT/bench.rc" 2>/dev/null) != 0 ||
	! -s $OUT/bench.csv ]]; then
	echo "bench: FAILED (guest exit $rc, bench exit" \
		"$(cat "$OUT/bench.rc" 2>/dev/null || echo none));" \
		"see $OUT/bench.err and $OUT/console.log" >&2
	exit 1
fi
if gnuplot -e "csv='$OUT/bench.csv'; png='$OUT/bench.png'" \
		scripts/bench.gp 2>"$OUT/gnuplot.err"; then
	plot=$OUT/bench.png
else
	plot="(gnuplot failed: $OUT/gnuplot.err)"
fi
cat "$OUT/bench.txt"
echo
echo "bench: $OUT/bench.{txt,csv,json}, plot $plot ($(elapsed "$start") s in the guest)"
