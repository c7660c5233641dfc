#!/bin/sh
# Inside the guest (run.sh bench-trace, from make bench TRACE=1): where a
# setup of the 4 KiB paths spends its time at 64 MiB, 256 MiB and 1 GiB.
# perf samples cpu-clock (user and kernel, 4000 Hz) over
#   mmapdemo bench --only setup --variants V --sizes S --reps 5
# for V in remap-4K fault-4K and S in 64M 256M 1G, with the module loaded
# with size=1G. For each: OUT/trace-V-S.json (the bench's own timings)
# and OUT/trace-V-S.txt (perf report: samples by symbol, with the
# share of each). Exit status: non-zero if any step failed.
. /run/mmapdemo/repo/scripts/guest/lib.sh
TMPDIR=/tmp
export TMPDIR

md_unload 2>/dev/null
md_load size=1G || exit 1
if ! command -v perf >/dev/null; then
	echo "guest: no perf in this root file system"
	exit 1
fi
rc=0
for v in remap-4K fault-4K; do
	for s in 64M 256M 1G; do
		echo "guest: perf record: bench $v $s"
		perf record -q -e cpu-clock -F 4000 -o /tmp/perf.data -- \
			"$MMAPDEMO_TOOL" bench --only setup --variants "$v" \
			--sizes "$s" --reps 5 --quiet --json \
			>"$OUT/trace-$v-$s.json" 2>"$OUT/trace-$v-$s.err" || rc=1
		perf report -i /tmp/perf.data --stdio --no-children -n \
			--sort dso,sym --percent-limit 0.5 \
			>"$OUT/trace-$v-$s.txt" 2>>"$OUT/trace-$v-$s.err" || rc=1
	done
done
md_unload || rc=1
exit $rc
