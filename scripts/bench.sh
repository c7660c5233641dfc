#!/bin/bash
# make bench: build, boot Debian's stock kernel in QEMU/TCG with room for
# a 1 GiB buffer, run `mmapdemo bench` inside it, and collect
#   build/results/bench/bench.txt   the aligned tables and the targets
#   build/results/bench/bench.csv   one row per figure
#   build/results/bench/bench.json  everything, machine-readable
#   build/results/bench/bench.png   the plot (gnuplot, from the CSV)
#
# Environment:
#   MMAPDEMO_GUEST_MEM   guest memory (default 6G: a 1 GiB buffer, 1 GiB
#                        tmpfs files twice, 1 GiB anonymous memory)
#   MMAPDEMO_BENCH_SIZE  the module's size= (default 1G)
#   MMAPDEMO_BENCH_OPTS  more options for `mmapdemo bench`, e.g.
#                        "--quick" or "--only k2u,setup --reps 3"
#   MMAPDEMO_BENCH_PARAMS more module parameters, e.g. "fault_around=2M"
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/root.sh
. "$(dirname "$0")/root.sh"
require_root "make bench"
cd "$MMAPDEMO_ROOT"

KVER=$(stock_kver)
B=$MMAPDEMO_ROOT/build
OUT=$B/results/bench
export MMAPDEMO_GUEST_MEM=${MMAPDEMO_GUEST_MEM:-6G}
size=${MMAPDEMO_BENCH_SIZE:-1G}
opts=${MMAPDEMO_BENCH_OPTS:-}
opts=${opts// /:}
params=${MMAPDEMO_BENCH_PARAMS:-}
params=${params// /:}

# KERNEL (make bench KERNEL="stock trixie-backports"): the kernels to run
# on, one after the other: stock (Debian 12's, with the host's root) or
# an entry of the kernel matrix (scripts/matrix.sh: bullseye, trixie,
# sid, trixie-backports), booted with that release's root file system
# (scripts/rootfs.sh, cached) and the module and user space built in it.
# Results of stock in build/results/bench/, of NAME in
# build/results/bench-NAME/; with two or more kernels, their targets and
# key figures side by side in build/results/bench-compare.md.
# TRACE=1 (make bench TRACE=1): instead, perf profiles of the 4 KiB
# setups at 64 MiB, 256 MiB and 1 GiB on the stock kernel
# (scripts/guest/bench-trace.sh), in build/results/bench-trace/.
# shellcheck source=scripts/matrix.sh
. scripts/matrix.sh
kernels=${KERNEL:-stock}

# bench_build NAME: build the module and user space for kernel NAME.
# Sets KREL, BROOT (the guest's root), BKERNEL (its kernel) and BAPPEND
# (where the guest finds what was built).
bench_build() {
	local name=$1 dir build user
	if [[ $name == stock ]]; then
		KREL=$KVER BROOT=/ BKERNEL=/boot/vmlinuz-$KVER BAPPEND=
		echo "bench: building the module against $KREL and the user space" >&2
		stock_build || die "bench: the build failed"
	else
		matrix_entry "$name" ||
			die "bench: KERNEL=$name: neither stock nor one of ${MATRIX[*]}"
		dir=$(scripts/rootfs.sh build "$name") ||
			die "bench: no root file system for $name"
		BROOT=$dir/root
		KREL=$(cat "$dir/kernel.release")
		BKERNEL=$BROOT/boot/vmlinuz-$KREL
		build=bench/$name user=bench/$name/user
		BAPPEND="md_build=$build md_user=$user"
		echo "bench: building the module against $KREL and the user space in $name's tree" >&2
		if ! in_rootfs "$BROOT" "$MMAPDEMO_ROOT/scripts/build-module.sh" \
				"/lib/modules/$KREL/build" "$B/$build" >/dev/null ||
			! in_rootfs "$BROOT" sh -c "cd '$MMAPDEMO_ROOT' &&
				make -s -C user O='$B/$user' lib cli" >/dev/null; then
			die "bench: the build in $name's tree failed"
		fi
	fi
}

# bench_on NAME ACTION OUT: build for kernel NAME, boot it, run ACTION
# (bench or bench-trace) with results in OUT. Sets KREL. The guest writes
# into a directory of its own (run-guest.sh empties it first), copied
# into OUT afterwards: what else is in OUT (make bench ICOUNT=1's
# NAME/ directories) stays.
bench_on() {
	local name=$1 action=$2 out=$3 rc=0 start guest
	local bench="md_bench_size=$size md_bench_opts=$opts md_bench_params=$params"
	bench_build "$name"
	guest=$B/results/.bench-guest-$name-$action
	start=$(now)
	echo "bench: booting $KREL in QEMU (TCG, $(nproc) CPUs, $MMAPDEMO_GUEST_MEM);" \
		"the run takes several minutes, progress below" >&2
	boot_guest "$KREL" "$BROOT" "$BKERNEL" stock "$action" "$guest" 5400 \
		"$BAPPEND $bench" || rc=$?
	# The files of an earlier run go (a stale bench.rc must not pass
	# for this one); directories stay.
	mkdir -p "$out"
	find "$out" -maxdepth 1 -type f -delete
	cp -a "$guest"/. "$out"/
	rm -rf "$guest" "$guest.initramfs.cpio.gz"
	echo "bench: $name: $(elapsed "$start") s in the guest" >&2
	return $rc
}

# ICOUNT=1 (make bench ICOUNT=1): instead of timing, count instructions
# (scripts/icount/): per kernel NAME, ICOUNT_RUNS boots (default 2) with
# the counting plugin, each running mmapdemo bench --icount (the second
# and later with ICOUNT_REPEAT_OPTS added, default "--sizes 64M": they
# repeat the 64 MiB figures, the sweep and the messages); the figures,
# targets and health in build/results/bench/NAME/icount.{json,txt,png}.
# PROFILE=VARIANT: one boot that runs only VARIANT at 64 MiB, and a flat
# profile of its write touch in
# build/results/bench/NAME-profile-VARIANT-touch/profile.txt
# (PROFILE_WINDOW=munmap: of its munmap() instead, in ...-munmap/).
# ICOUNT_REPORT=1: no boot; the report made again from the runs there.
if [[ -n ${ICOUNT:-} ]]; then
	# shellcheck source=scripts/icount/lib.sh
	. scripts/icount/lib.sh
	icount_plugin || exit 1
	failed=0
	for name in $kernels; do
		out=$OUT/$name
		[[ -z ${PROFILE:-} ]] || out=$OUT/$name-profile-$PROFILE-${PROFILE_WINDOW:-touch}
		if [[ -n ${ICOUNT_REPORT:-} ]]; then
			KREL=$(sed -n 's/^kernel=//p' "$out/run1/icount.env" 2>/dev/null)
			edir=$(find "$(cache_root)" -maxdepth 1 -name "icount-entries-$KREL-*" \
				! -name '*.tmp*' | head -n 1)
		else
			bench_build "$name"
			edir=$(icount_entries "$KREL" "$BROOT" "$BKERNEL") ||
				die "bench: cannot read $KREL's kernel symbols"
		fi
		runs=() prof='' iopts=$opts
		nruns=${ICOUNT_RUNS:-2}
		if [[ -n ${PROFILE:-} ]]; then
			nruns=1 prof=0x0012
			[[ ${PROFILE_WINDOW:-touch} == munmap ]] && prof=0x0013
			iopts="--variants:$PROFILE:--sizes:64M:--reps:1"
		fi
		# ICOUNT_REPORT=1: no boot, the report again from the last runs.
		if [[ -n ${ICOUNT_REPORT:-} ]]; then
			nruns=0
			for d in "$out"/run*/; do
				[[ -f $d/icount.plugin ]] && runs+=("${d%/}")
			done
		else
			rm -rf "$out"
			mkdir -p "$out"
		fi
		for ((i = 1; i <= nruns; i++)); do
			# The boots after the first repeat what ICOUNT_REPEAT_OPTS
			# says (default: the 64 MiB figures, the sweep and the
			# messages; 1 GiB takes most of a boot's time).
			if ((i == 2)) && [[ -z ${PROFILE:-} ]]; then
				r=${ICOUNT_REPEAT_OPTS---sizes 64M}
				iopts=${opts:+$opts:}${r// /:}
			fi
			start=$(now)
			echo "bench: icount boot $i of $nruns on $KREL (TCG, -smp 1, plugin)" >&2
			rc=0
			icount_boot "$KREL" "$BROOT" "$BKERNEL" "$out/run$i" "$edir" 5400 \
				"$BAPPEND md_bench_size=$size md_bench_opts=$iopts md_bench_params=$params" \
				"$prof" || rc=$?
			echo "bench: $name: icount boot $i: $(elapsed "$start") s in the guest" >&2
			if [[ $rc -ne 0 || $(cat "$out/run$i/icount.rc" 2>/dev/null) != 0 ]]; then
				echo "bench: icount boot $i on $name FAILED (guest exit $rc);" \
					"see $out/run$i/icount.err and console.log" >&2
				tail -n 5 "$out/run$i/icount.err" >&2 2>/dev/null
				failed=1
				continue 2
			fi
			git rev-parse --short HEAD >"$out/run$i/commit" 2>/dev/null || true
			git diff --quiet HEAD 2>/dev/null || echo "+changes" >>"$out/run$i/commit"
			runs+=("$out/run$i")
		done
		rc=0
		python3 scripts/icount/report.py --out "$out" --entries "$edir/entries.txt" \
			--baseline scripts/icount/baseline.json ${PROFILE:+--profile "$PROFILE"} \
			${PROFILE:+--profile-window "${PROFILE_WINDOW:-touch}"} \
			--meta "qemu=$(icount_qemu_version)" --meta "cpu=$ICOUNT_CPU" \
			--meta "host=$(uname -n), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
			--meta "commit=$(paste -sd "" "${runs[0]}/commit" 2>/dev/null || echo unknown)" \
			--meta "date=$(date -u -r "${runs[0]}/icount.plugin" +%Y-%m-%d 2>/dev/null)" \
			"${runs[@]}" || rc=$?
		if [[ $rc -ne 0 ]]; then
			echo "bench: icount on $name: a health check FAILED (see above and $out/icount.json)" >&2
			failed=1
		fi
		echo "bench: $out/icount.{txt,json,png}"
	done
	exit $failed
fi

if [[ -n ${TRACE:-} ]]; then
	out=$B/results/bench-trace
	rc=0
	bench_on stock bench-trace "$out" || rc=$?
	if [[ $rc -ne 0 || $(cat "$out/trace.rc" 2>/dev/null) != 0 ]]; then
		echo "bench: trace FAILED (guest exit $rc); see $out/console.log" \
			"and $out/trace-*.err" >&2
		exit 1
	fi
	for f in "$out"/trace-*.txt; do
		echo "== $(basename "$f" .txt)"
		grep -v '^#' "$f" | grep -v '^$' | head -n 15
	done
	echo "bench: perf reports and the bench's JSON in $out/"
	exit 0
fi

failed=0
outs=()
for name in $kernels; do
	out=$OUT
	[[ $name == stock ]] || out=$OUT-$name
	rc=0
	bench_on "$name" bench "$out" || rc=$?
	sed -n 's/^bench: /  /p' "$out/bench.err" 2>/dev/null | tr -d '\r' >&2 || true
	if [[ $rc -ne 0 || $(cat "$out/bench.rc" 2>/dev/null) != 0 ||
		! -s $out/bench.csv ]]; then
		echo "bench: $name FAILED (guest exit $rc, bench exit" \
			"$(cat "$out/bench.rc" 2>/dev/null || echo none));" \
			"see $out/bench.err and $out/console.log" >&2
		failed=1
		continue
	fi
	if gnuplot -e "csv='$out/bench.csv'; png='$out/bench.png'" \
			scripts/bench.gp 2>"$out/gnuplot.err"; then
		plot=$out/bench.png
	else
		plot="(gnuplot failed: $out/gnuplot.err)"
	fi
	cat "$out/bench.txt"
	echo
	echo "bench: $out/bench.{txt,csv,json}, plot $plot"
	outs+=("$out")
done

# The targets and the first-touch figures of each kernel, side by side.
if [[ ${#outs[@]} -ge 2 ]]; then
	python3 - "${outs[@]}" >"$B/results/bench-compare.md" <<'PY'
import json, sys
runs = [json.load(open(d + "/bench.json")) for d in sys.argv[1:]]
def cell(t):
    if t["value"] is None:
        return "n/a (%s)" % t["detail"]
    return "%.2f %s" % (t["value"], "met" if t["met"] else "**missed**")
print("| target | " + " | ".join("Linux " + r["machine"]["kernel"]
                                 for r in runs) + " |")
print("|---" * (len(runs) + 1) + "|")
for i, t in enumerate(runs[0]["targets"]):
    print("| %s %s %.2f | " % (t["name"], t["op"], t["limit"]) +
          " | ".join(cell(r["targets"][i]) for r in runs) + " |")
print()
print("| first touch, ns/page (write / read) | " +
      " | ".join("Linux " + r["machine"]["kernel"] for r in runs) + " |")
print("|---" * (len(runs) + 1) + "|")
keys = []
for s in runs[0]["setup"]:
    if (s["variant"], s["size"]) not in keys:
        keys.append((s["variant"], s["size"]))
def fig(r, v, z):
    w = [s for s in r["setup"] if (s["variant"], s["size"]) == (v, z)]
    by = {s["touch"]: s for s in w}
    if not by:
        return "-"
    return " / ".join("%.0f" % by[t]["ns_per_page"] if t in by else "-"
                      for t in ("write", "read")) + \
        " (munmap %.0f)" % by["write"]["munmap_ns_per_page"]
for v, z in keys:
    print("| %s, %d MiB | " % (v, z >> 20) +
          " | ".join(fig(r, v, z) for r in runs) + " |")
PY
	echo
	cat "$B/results/bench-compare.md"
	echo "bench: side by side in $B/results/bench-compare.md"
fi
exit $failed
