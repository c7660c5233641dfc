#!/bin/bash
# Which guest suites each guest stage of make check runs, as a Markdown
# table (from the same rules check.sh and the guest use: the suites'
# "# mmapdemo-guest: flavor" lines and scripts/matrix.sh stage_suites).
#
# usage: scripts/what-runs-where.sh
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/matrix.sh
. "$MMAPDEMO_ROOT/scripts/matrix.sh"
# shellcheck source=scripts/guest/suites.sh
. "$MMAPDEMO_ROOT/scripts/guest/suites.sh"

stages=(stock "${MATRIX[@]}" debug debug-6.1 kcsan)
printf '| suite |'
printf ' %s |' "${stages[@]}"
printf '\n|---|'
printf -- '---|%.0s' "${stages[@]}"
echo
for f in "$MMAPDEMO_ROOT"/user/tests/guest/*.sh; do
	printf '| %s |' "$(basename "$f" .sh)"
	for s in "${stages[@]}"; do
		read -r flavor globs < <(stage_suites "$s")
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
	kcsan) printf ' KUnit |' ;;
	*) printf '   |' ;;
	esac
done
echo
