#!/bin/bash
# Which guest suites each guest stage of make check runs, as a Markdown
# table (from the same rules check.sh and the guest use: the suites'
# "# mmapdemo-guest: flavor" lines, scripts/matrix.sh stage_suites and
# scripts/arm64-check.sh arm64_suites).
#
# usage: scripts/what-runs-where.sh
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/matrix.sh
. "$MMAPDEMO_ROOT/scripts/matrix.sh"
# shellcheck source=scripts/guest/suites.sh
. "$MMAPDEMO_ROOT/scripts/guest/suites.sh"
# shellcheck source=scripts/arm64-check.sh
. "$MMAPDEMO_ROOT/scripts/arm64-check.sh"

stages=(stock "${MATRIX[@]}" debug debug-6.1 kcsan "${ARM64_STAGES[@]}")
printf '| suite |'
printf ' %s |' "${stages[@]}"
printf '\n|---|'
printf -- '---|%.0s' "${stages[@]}"
echo
for f in "$MMAPDEMO_ROOT"/user/tests/guest/*.sh; do
	printf '| %s |' "$(basename "$f" .sh)"
	for s in "${stages[@]}"; do
		if [[ $s == arm64-* ]]; then
			flavor=stock globs=$(arm64_suites "$s")
		else
			read -r flavor globs < <(stage_suites "$s")
		fi
		if md_suite_wanted "$f" "$flavor" "${globs:-}"; then
			printf ' x |'
		else
			printf '   |'
		fi
	done
	echo
done
printf '| KUnit, kmemleak |'
for s in "${stages[@]}"; do
	case $s in
	debug | debug-6.1) printf ' x |' ;;
	kcsan | arm64-64k) printf ' KUnit |' ;;
	*) printf '   |' ;;
	esac
done
echo
