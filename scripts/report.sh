#!/bin/bash
# make report: build/results/report.md from the last run's results, so
# that every figure the docs quote can be regenerated, with where it
# came from:
#   the kernel table        build/results/kernels.md   (make check)
#   the per-stage summary   build/results/check.txt    (make check)
#   the bench tables        build/results/bench*/bench.txt (make bench)
#   the hardening summaries build/results/STAGE/9[0-2]-*.tap: what the
#                           fuzzer, the fail-nth sweep and the stress run
#                           print about themselves (make check's debug
#                           stages, make fuzz)
# Each part says when its file was written; the report says the
# checkout's commit and the machine it is made on. A part whose file is
# missing says so; without any of them the report fails.
#
# usage: scripts/report.sh [RESULTS_DIR]   (default build/results)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

R=${1:-$MMAPDEMO_ROOT/build/results}
[[ -d $R ]] || die "no results in $R: run make check (or make bench) first"
OUT=$R/report.md

stamp() {
	date -u -r "$1" '+%Y-%m-%d %H:%M UTC'
}

machine() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)
	echo "$(uname -m), $(nproc) CPUs${cpu:+ ($cpu)}, $(uname -r)"
}

found=0
{
	echo "# mmapdemo: results of the last run"
	echo
	echo "Made by \`make report\` ($(date -u '+%Y-%m-%d %H:%M UTC')) from \`${R#"$MMAPDEMO_ROOT"/}\`."
	ran=$(grep -m1 '^make check of ' "$R/check.txt" 2>/dev/null)
	if [[ -n $ran ]]; then
		echo "Run: $ran."
	else
		echo "Checkout: $(git -C "$MMAPDEMO_ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
			"(the commit of the checkout now; check.txt does not say the one it ran)."
	fi
	echo "Machine: $(machine)."
	echo
	echo "## Kernels"
	echo
	if [[ -s $R/kernels.md ]]; then
		found=1
		echo "From \`make check\`, written $(stamp "$R/kernels.md"):"
		echo
		cat "$R/kernels.md"
	else
		echo "No kernels.md: \`make check\` has not finished a run here."
	fi
	echo
	echo "## Stages"
	echo
	if [[ -s $R/check.txt ]]; then
		found=1
		echo "From \`make check\`, written $(stamp "$R/check.txt"):"
		echo
		echo '```'
		# The per-stage result lines, then the summary to the total.
		grep -E '^  [^ :]+: [0-9]+ passed, [0-9]+ failed' "$R/check.txt" || true
		echo
		sed -n '/^== summary/,$p' "$R/check.txt"
		echo '```'
	else
		echo "No check.txt: \`make check\` has not run here."
	fi
	for b in "$R"/bench*/bench.txt; do
		[[ -s $b ]] || continue
		found=1
		echo
		echo "## Bench: ${b#"$R"/}"
		echo
		echo "From \`make bench\`, written $(stamp "$b") (QEMU/TCG: compare ratios, not absolute values):"
		echo
		echo '```'
		cat "$b"
		echo '```'
	done
	for t in "$R"/*/9[0-2]-*.tap "$R"/fuzz/fuzz.tap; do
		[[ -s $t ]] || continue
		# The suites' own summaries: fuzz seed, calls and errnos;
		# fail-nth iterations per operation; stress cycles and resizes.
		lines=$(grep -E '^# (fuzz: seed|calls/failed:|errnos:|ring completions checked)|^# .*: [0-9]+ iterations, [0-9]+ failed cleanly|^# [0-9]+ processes x |^# [0-9]+ FILL/CHECKSUM' "$t") ||
			continue
		found=1
		echo
		echo "## ${t#"$R"/}"
		echo
		echo "Written $(stamp "$t"):"
		echo
		echo '```'
		echo "$lines"
		echo '```'
	done
} >"$OUT.tmp"
if [[ $found -eq 0 ]]; then
	rm -f "$OUT.tmp"
	die "nothing to report in $R: no kernels.md, check.txt or bench*/bench.txt"
fi
mv "$OUT.tmp" "$OUT"
echo "$OUT"
