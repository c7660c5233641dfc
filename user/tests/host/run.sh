#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run host test programs (TAP producers), echo their output and finish
# with one summary line:  host: N passed, N failed[, N skipped]
# A program whose exit status is non-zero, or whose results do not match
# its plan, counts as one more failure.
#
# usage: run.sh TEST...   (a TEST ending in .sh is run with sh)

passed=0
failed=0
skipped=0
out=$(mktemp "${TMPDIR:-/tmp}/mmapdemo-host.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT

for t in "$@"; do
	name=$(basename "$t")
	echo "# $name"
	case $t in
	*.sh) sh "$t" >"$out" 2>&1 ;;
	*) "$t" >"$out" 2>&1 ;;
	esac
	rc=$?
	cat "$out"
	set -- $(awk '
		/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan = $1 + 0 }
		/^ok / && / # [Ss][Kk][Ii][Pp]/ { skip++; next }
		/^ok / { ok++ }
		/^not ok / { bad++ }
		END { printf "%d %d %d %d\n", plan, ok, bad, skip }' "$out")
	plan=$1 ok=$2 bad=$3 skip=$4
	passed=$((passed + ok))
	failed=$((failed + bad))
	skipped=$((skipped + skip))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "# $name: exit status $rc"
		failed=$((failed + 1))
	elif [ "$plan" -ne $((ok + bad + skip)) ]; then
		echo "# $name: planned $plan tests, ran $((ok + bad + skip))"
		failed=$((failed + 1))
	fi
done

echo "host: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
